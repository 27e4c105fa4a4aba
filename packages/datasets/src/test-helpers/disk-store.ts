import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ImageStore } from '../image-store';

/**
 * A content-addressed store on disk, as a deployment without Postgres blobs would use: the only
 * path ever written is `root/<sha256>`, so a test can prove an import wrote nothing else.
 */
export async function createDiskStore(root: string): Promise<ImageStore> {
  await mkdir(root, { recursive: true });
  const hashes = new Set<string>();
  return {
    has: async (hash) => hashes.has(hash),
    put: async (hash, bytes) => {
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
      await writeFile(join(root, hash), bytes);
      hashes.add(hash);
    },
  };
}

/** Every file and link under `dir`, as paths relative to it. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}
