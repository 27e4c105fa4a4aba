import path from 'node:path';
import { z } from 'zod';
import { sharedDir } from './shared-dir';

/** Local services on a developer machine; override with the variables of the same name. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/studio';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const envSchema = z.object({
  DATABASE_URL: z.string().url().default(DEFAULT_DATABASE_URL),
  REDIS_URL: z.string().url().default(DEFAULT_REDIS_URL),
  /** Redis key prefix for every queue and key of this studio, so tests can use their own. */
  STUDIO_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/i)
    .default('studio'),
  /** Largest archive upload accepted, in bytes (2 GiB by default). */
  STUDIO_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  /** Seconds a request body may send nothing before the web app refuses it (408). */
  STUDIO_BODY_IDLE_TIMEOUT_S: z.coerce.number().positive().default(30),
  /** Internal hosts URL imports may reach (a local mirror): names, IPs or CIDRs, comma-separated. */
  STUDIO_IMPORT_ALLOWED_HOSTS: z
    .string()
    .regex(/^[\w.:/,\s-]*$/, 'host names, IP addresses or CIDR ranges, separated by commas')
    .default(''),
  /** Where the worker caches downloaded weights and archives. */
  STUDIO_CACHE_DIR: z.string().optional(),
  /** A stable name for this worker in the health report (random when unset). */
  STUDIO_WORKER_ID: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  /** Folder of sample datasets and offline backbones (default: `shared/` beside the repository). */
  STUDIO_SHARED_DIR: z.string().optional(),
  /** Folder holding the offline backbones (default: `pretrained/` in the shared folder). */
  STUDIO_PRETRAINED_DIR: z.string().optional(),
  /** How long a training job's queue lock lasts; a dead worker's stage is taken over after it. */
  STUDIO_TRAIN_LOCK_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Forces a TensorFlow.js backend: tensorflow-gpu | tensorflow | wasm | cpu. */
  STUDIO_BACKEND: z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).optional(),
  /**
   * Threads of the wasm backend's own pool (1–4). Default 1: a stage uses the cores through
   * its data-parallel worker threads instead (the run's `threads`).
   */
  STUDIO_WASM_THREADS: z.coerce.number().int().min(1).max(4).default(1),
  /**
   * 1: inference asks for ONNX Runtime's CUDA provider (the GPU image sets it); CPU when it
   * does not start.
   */
  STUDIO_ONNX_CUDA: z.enum(['0', '1']).default('0'),
  /**
   * Addresses or CIDR ranges of the reverse proxies in front of the web app (comma-separated).
   * Only a connection from one of them has its X-Forwarded-For read, for sign-in limits and
   * session addresses; unset, the connection's own address counts.
   */
  STUDIO_TRUSTED_PROXY: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
          error: (issue) =>
            `${String(issue.input)} is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24)`,
        }),
      ),
    ),
});

export type StudioEnv = Omit<
  z.infer<typeof envSchema>,
  'STUDIO_SHARED_DIR' | 'STUDIO_PRETRAINED_DIR'
> & { STUDIO_SHARED_DIR: string; STUDIO_PRETRAINED_DIR: string };

/** Reads and validates the environment once, failing with every problem named. */
export function readEnv(source: Record<string, string | undefined> = process.env): StudioEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  const shared = sharedDir(source);
  return {
    ...parsed.data,
    STUDIO_SHARED_DIR: shared,
    STUDIO_PRETRAINED_DIR: parsed.data.STUDIO_PRETRAINED_DIR ?? path.join(shared, 'pretrained'),
  };
}
