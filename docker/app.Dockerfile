# Web app, CPU worker and the migrate step share this image.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json turbo.json tsconfig.base.json prisma.config.ts ./
COPY prisma ./prisma
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/db/package.json packages/db/
COPY packages/db/scripts packages/db/scripts
COPY packages/datasets/package.json packages/datasets/
COPY packages/ml/package.json packages/ml/
COPY packages/shared/package.json packages/shared/
# With internet at build time Prisma fetches its schema engine here, so `migrate deploy` works.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run generate -w @studio/db && npx turbo run build --filter=@studio/web
EXPOSE 3000
CMD ["npx", "tsx", "apps/worker/src/main.ts"]
