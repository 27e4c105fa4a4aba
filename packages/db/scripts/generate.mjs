// Generates the Prisma client into src/generated/prisma.
// `prisma generate` never runs the schema engine, but the CLI insists on finding one and would
// download it; pointing it at any existing file keeps generation offline (see DESIGN.md §9).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const engine = `${root}node_modules/@prisma/engines/schema-engine-debian-openssl-3.0.x`;
  env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync(engine) ? engine : process.execPath;
}
const result = spawnSync(
  process.execPath,
  [`${root}node_modules/prisma/build/index.js`, 'generate', '--config', `${root}prisma.config.ts`],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
