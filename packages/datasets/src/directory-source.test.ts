import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDirectoryEntries } from './directory-source';
import { collect } from './test-helpers/images';
import { useTempDir } from './test-helpers/temp-files';

describe('readDirectoryEntries', () => {
  it('walks a folder in sorted order and skips symlinks without following them', async () => {
    const { dir } = await useTempDir();
    await mkdir(join(dir, 'train/dog'), { recursive: true });
    await mkdir(join(dir, '__MACOSX'), { recursive: true });
    await writeFile(join(dir, 'train/dog/b.jpg'), 'b');
    await writeFile(join(dir, 'train/dog/a.jpg'), 'a');
    await writeFile(join(dir, '__MACOSX/junk.jpg'), 'junk');
    await symlink('/etc/passwd', join(dir, 'train/dog/passwd.jpg'));
    const entries = await collect(readDirectoryEntries(dir));
    expect(entries.map((e) => [e.kind, e.path])).toEqual([
      ['file', 'train/dog/a.jpg'],
      ['file', 'train/dog/b.jpg'],
      ['skipped', 'train/dog/passwd.jpg'],
    ]);
  });
});
