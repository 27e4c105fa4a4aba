# GPU worker: CUDA 11.2 + cuDNN 8, the versions @tensorflow/tfjs-node-gpu 4.x is built against.
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ENV DEBIAN_FRONTEND=noninteractive NODE_MAJOR=22
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg python3 make g++ \
 && mkdir -p /etc/apt/keyrings \
 && curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg \
 && echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR.x nodistro main" > /etc/apt/sources.list.d/nodesource.list \
 && apt-get update && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*
# ONNX Runtime's CUDA provider (inference: feature cache, validation, predictions) is built for
# CUDA 12 and cuDNN 9, beside the CUDA 11.2 that tfjs-node-gpu trains with; NVIDIA's apt
# repository of the base image carries both. Without them the worker infers on ONNX Runtime's CPU.
RUN apt-get update && apt-get install -y --no-install-recommends \
      cuda-cudart-12-4 libcublas-12-4 libcufft-12-4 libcurand-12-4 libcudnn9-cuda-12 \
 && rm -rf /var/lib/apt/lists/*
ENV LD_LIBRARY_PATH=/usr/local/cuda-12.4/lib64:${LD_LIBRARY_PATH} STUDIO_ONNX_CUDA=1
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
# The optional native backends download libtensorflow (GPU build) during this install, and
# onnxruntime-node its CUDA provider (ONNXRUNTIME_NODE_INSTALL overrides .npmrc's skip); fail the
# build if either did not arrive (loading them needs the driver, present only at run time).
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --no-audit --no-fund \
 && ls node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node \
 && ls node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so
COPY . .
RUN npm run generate -w @studio/db
CMD ["npx", "tsx", "apps/worker/src/main.ts"]
