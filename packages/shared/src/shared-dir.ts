import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of sample datasets and offline pretrained backbones: `STUDIO_SHARED_DIR`, else
 * `shared/` beside the repository. Every test, script and process finds it through here.
 */
export function sharedDir(source: Record<string, string | undefined> = process.env): string {
  const configured = source.STUDIO_SHARED_DIR?.trim();
  if (configured) return path.resolve(configured);
  // This file is packages/shared/src/shared-dir.ts; the repository root is three folders up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', '..', '..', 'shared');
}

/** A path inside the shared folder, e.g. `sharedPath('datasets', 'clothing-small')`. */
export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir(), ...parts);
}
