import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBundleFileName, type ExportFiles } from './bundle-files';

/** Writes an exported bundle into `dir` (created if missing), one file per entry. */
export async function writeExport(dir: string, files: ExportFiles): Promise<void> {
  for (const name of files.keys()) checkBundleFileName(name);
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
}
