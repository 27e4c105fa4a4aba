import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { probeConvolutions } from './wasm-threads-probe';
import { wasmThreadsFor } from './wasm-threads';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe("the wasm backend's thread pool in Node", () => {
  it('starts with one thread by default, and checks the option', () => {
    expect(getThreadsCount()).toBe(1);
    expect(wasmThreadsFor(2)).toBe(2);
    expect(() => wasmThreadsFor(0)).toThrow(/wasmThreads/);
    expect(() => wasmThreadsFor(5)).toThrow(/from 1 to 4/);
  });

  it('runs convolutions and their gradients on 2 threads as on one, and lets the process end', async () => {
    // A process of its own: a backend's thread count is fixed when it first starts.
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'src/backend/wasm-threads-probe.ts', '2'],
      { cwd: PACKAGE_DIR, timeout: 120_000, maxBuffer: 16 * 1024 ** 2 },
    );
    const child = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      backend: string;
      threads: number;
      values: Record<string, number[]>;
    };
    expect(child.backend).toBe('wasm');
    expect(child.threads).toBe(2);
    const here = probeConvolutions();
    expect(Object.keys(child.values).sort()).toEqual(Object.keys(here).sort());
    for (const [name, expected] of Object.entries(here)) {
      const actual = child.values[name]!;
      expect(actual).toHaveLength(expected.length);
      const scale = Math.max(...expected.map(Math.abs));
      const worst = expected.reduce((m, v, i) => Math.max(m, Math.abs(v - actual[i]!)), 0);
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
  }, 150_000);
});
