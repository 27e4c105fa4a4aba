# GPU worker: CUDA 11.2 + cuDNN 8, the versions @tensorflow/tfjs-node-gpu 4.x is built against.
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ENV DEBIAN_FRONTEND=noninteractive NODE_MAJOR=22
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg python3 make g++ \
 && mkdir -p /etc/apt/keyrings \
 && curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg \
 && echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR.x nodistro main" > /etc/apt/sources.list.d/nodesource.list \
 && apt-get update && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json prisma.config.ts ./
COPY prisma ./prisma
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/db/package.json packages/db/
COPY packages/db/scripts packages/db/scripts
COPY packages/datasets/package.json packages/datasets/
COPY packages/ml/package.json packages/ml/
COPY packages/shared/package.json packages/shared/
# The optional native backends download libtensorflow (GPU build) during this install; fail the
# build if the GPU binding did not arrive (loading it needs the driver, present only at run time).
RUN npm ci --no-audit --no-fund \
 && ls node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node
COPY . .
RUN npm run generate -w @studio/db
CMD ["npx", "tsx", "apps/worker/src/main.ts"]
