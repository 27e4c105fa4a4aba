import { lstat, opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryClassifier } from './entry-classifier';
import { LimitTracker, resolveLimits, throwLimitExceeded } from './limits';
import { compareCodeUnits } from './path-parts';
import type { EntryType, SourceEntry, SourceOptions } from './source-entry';

/**
 * Reads a dataset folder on the server's disk (for example `../shared/datasets/clothing-small`
 * or a dataset the worker unpacked), in sorted order so results are reproducible. Symlinks are
 * skipped, never followed, so a link cannot pull files from outside the folder.
 */
export async function* readDirectoryEntries(
  root: string,
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  const tracker = new LimitTracker(resolveLimits(options.limits));
  const classifier = new EntryClassifier(tracker);
  yield* walk(root, '', classifier, tracker, options.signal);
}

async function* walk(
  root: string,
  prefix: string,
  classifier: EntryClassifier,
  tracker: LimitTracker,
  signal: AbortSignal | undefined,
): AsyncGenerator<SourceEntry> {
  const children: Array<{ name: string; type: EntryType }> = [];
  for await (const dirent of await opendir(join(root, prefix))) {
    const type: EntryType = dirent.isFile()
      ? 'file'
      : dirent.isDirectory()
        ? 'directory'
        : dirent.isSymbolicLink()
          ? 'symlink'
          : 'device';
    children.push({ name: dirent.name, type });
  }
  children.sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const child of children) {
    signal?.throwIfAborted();
    const relative = prefix === '' ? child.name : `${prefix}/${child.name}`;
    const decision = classifier.classify(relative, child.type);
    if (decision.action === 'skip') {
      yield { kind: 'skipped', path: decision.path, reason: decision.reason };
    } else if (decision.action === 'read') {
      const absolute = join(root, relative);
      const { size } = await lstat(absolute);
      if (size > tracker.limits.maxEntryBytes)
        throwLimitExceeded(
          'maxEntryBytes',
          tracker.limits.maxEntryBytes,
          size,
          `file "${decision.key}"`,
        );
      const bytes = await readFile(absolute);
      tracker.addBytes(bytes.length, bytes.length, decision.key);
      yield { kind: 'file', path: decision.key, bytes };
    } else if (child.type === 'directory' && !isIgnoredFolder(child.name)) {
      yield* walk(root, relative, classifier, tracker, signal);
    }
  }
}

function isIgnoredFolder(name: string): boolean {
  return name.toLowerCase() === '__macosx';
}
