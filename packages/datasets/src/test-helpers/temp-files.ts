import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temporary folder removed after the test file; returns a function that writes a file into it. */
export async function useTempDir(): Promise<{
  dir: string;
  write: (name: string, bytes: Buffer) => Promise<string>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'studio-datasets-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return {
    dir,
    write: async (name, bytes) => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
  };
}
