/**
 * What a DataBunch is built from: labelled keys with a split, and a source
 * that turns a key into image bytes (the caller decides whether those come
 * from disk, a database or an upload store).
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createRng, shuffledIndices } from './rng';

export type Split = 'train' | 'valid' | 'test';

export interface Item {
  key: string;
  /** Class name; may be '' for unlabelled test items. */
  label: string;
  split: Split;
}

export type ImageSource = (key: string) => Promise<Uint8Array>;

/** Extensions sharp decodes; matched case-insensitively. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
]);

const VALID_FOLDERS = ['valid', 'validation', 'val'];

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

async function imageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter(
      (e) =>
        e.isFile() &&
        !e.name.startsWith('.') &&
        IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()),
    )
    .map((e) => e.name)
    .sort();
}

/** `<prefix>/<class>/<file>` for every class folder under root/prefix. */
async function classFolderItems(root: string, prefix: string, split: Split): Promise<Item[]> {
  const items: Item[] = [];
  for (const label of await subfolders(path.join(root, prefix))) {
    for (const file of await imageFiles(path.join(root, prefix, label))) {
      items.push({ key: path.posix.join(prefix, label, file), label, split });
    }
  }
  return items;
}

/**
 * Items of an image folder (fastai v1 `ImageDataBunch.from_folder`):
 * - ImageNet style: `train/<class>/*`, `valid/` (or `validation/`, `val/`) `<class>/*`,
 *   optional `test/` with images (unlabelled) or class folders;
 * - otherwise every top-level folder is a class and every item is `train`
 *   (split them with `splitByRandomPct`).
 * Keys are POSIX paths relative to `dir`; read them with `folderSource(dir)`.
 * Symlinks, hidden files and non-image extensions are skipped.
 */
export async function folderItems(dir: string): Promise<Item[]> {
  const top = await subfolders(dir);
  if (!top.includes('train')) return classFolderItems(dir, '', 'train');
  const items = await classFolderItems(dir, 'train', 'train');
  const valid = VALID_FOLDERS.find((name) => top.includes(name));
  if (valid) items.push(...(await classFolderItems(dir, valid, 'valid')));
  if (top.includes('test')) {
    for (const file of await imageFiles(path.join(dir, 'test')))
      items.push({ key: `test/${file}`, label: '', split: 'test' });
    items.push(...(await classFolderItems(dir, 'test', 'test')));
  }
  return items;
}

/** Reads keys as paths under `dir`, refusing any key that escapes it. */
export function folderSource(dir: string): ImageSource {
  const root = path.resolve(dir);
  return async (key) => {
    const file = path.resolve(root, key);
    if (!file.startsWith(root + path.sep)) {
      throw new Error(
        `Image key "${key}" points outside ${root}; keys must be relative paths inside the folder.`,
      );
    }
    return readFile(file);
  };
}

// fastai v1 data_block.py split_by_rand_pct: shuffle with the seed, the first
// int(valid_pct · n) become validation. Test items are left alone.
export function splitByRandomPct(items: readonly Item[], validPct = 0.2, seed = 0): Item[] {
  if (!(validPct >= 0 && validPct < 1))
    throw new Error(`validPct must be in [0, 1), received ${validPct}.`);
  const labelled = items.flatMap((item, i) => (item.split === 'test' ? [] : [i]));
  const order = shuffledIndices(labelled.length, createRng(seed));
  const cut = Math.floor(validPct * labelled.length);
  const isValid = new Set(order.slice(0, cut).map((j) => labelled[j]!));
  return items.map((item, i) =>
    item.split === 'test' ? item : { ...item, split: isValid.has(i) ? 'valid' : 'train' },
  );
}
