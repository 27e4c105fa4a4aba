import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderItems, folderSource, splitByRandomPct, type Item } from './items';

let root: string;

async function touch(rel: string, content = 'x'): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'studio-items-'));
  for (const f of [
    'train/cat/1.jpg',
    'train/cat/2.JPEG',
    'train/dog/1.png',
    'validation/cat/3.jpg',
    'validation/dog/4.webp',
    'test/5.jpg',
    'train/dog/notes.txt',
    'train/dog/.hidden.jpg',
  ]) {
    await touch(path.join('imagenet', f));
  }
  for (const f of ['a/1.jpg', 'a/2.jpg', 'b/3.png', 'LICENSE']) await touch(path.join('plain', f));
  await symlink(path.join(root, 'plain/a/1.jpg'), path.join(root, 'plain/b/link.jpg'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('folderItems', () => {
  it('reads an ImageNet-style tree with splits', async () => {
    expect(await folderItems(path.join(root, 'imagenet'))).toEqual([
      { key: 'train/cat/1.jpg', label: 'cat', split: 'train' },
      { key: 'train/cat/2.JPEG', label: 'cat', split: 'train' },
      { key: 'train/dog/1.png', label: 'dog', split: 'train' },
      { key: 'validation/cat/3.jpg', label: 'cat', split: 'valid' },
      { key: 'validation/dog/4.webp', label: 'dog', split: 'valid' },
      { key: 'test/5.jpg', label: '', split: 'test' },
    ]);
  });

  it('reads plain class folders as training items, skipping symlinks and non-images', async () => {
    expect(await folderItems(path.join(root, 'plain'))).toEqual([
      { key: 'a/1.jpg', label: 'a', split: 'train' },
      { key: 'a/2.jpg', label: 'a', split: 'train' },
      { key: 'b/3.png', label: 'b', split: 'train' },
    ]);
  });
});

describe('folderSource', () => {
  it('reads keys inside the folder and refuses keys that escape it', async () => {
    const source = folderSource(path.join(root, 'plain'));
    expect(Buffer.from(await source('a/1.jpg')).toString()).toBe('x');
    await expect(source('../imagenet/test/5.jpg')).rejects.toThrow(/outside/);
    await expect(source('/etc/passwd')).rejects.toThrow(/outside/);
  });
});

describe('splitByRandomPct', () => {
  const items: Item[] = Array.from({ length: 100 }, (_, i) => ({
    key: `${i}.jpg`,
    label: String(i % 3),
    split: 'train',
  }));

  it('moves int(validPct · n) items to valid, reproducibly by seed', () => {
    const a = splitByRandomPct(items, 0.2, 42);
    expect(a.filter((i) => i.split === 'valid')).toHaveLength(20);
    expect(splitByRandomPct(items, 0.2, 42)).toEqual(a);
    expect(splitByRandomPct(items, 0.2, 43)).not.toEqual(a);
  });

  it('leaves test items alone', () => {
    const withTest: Item[] = [...items, { key: 't.jpg', label: '', split: 'test' }];
    expect(splitByRandomPct(withTest, 0.5, 1).at(-1)).toEqual({
      key: 't.jpg',
      label: '',
      split: 'test',
    });
  });
});
