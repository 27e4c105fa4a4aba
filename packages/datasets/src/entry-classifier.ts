import { toEntryKey } from './entry-key';
import type { LimitTracker } from './limits';
import { describeNestedArchive } from './nested-archive';
import type { EntryType } from './source-entry';

/** What a source should do with an entry header. */
export type EntryDecision =
  | { action: 'read'; key: string }
  | { action: 'skip'; path: string; reason: string }
  | { action: 'ignore' };

const TYPE_REASONS: Record<Exclude<EntryType, 'file' | 'directory'>, string> = {
  symlink: 'symbolic link: links are never followed; add the file itself',
  hardlink: 'hard link: links are never followed; add the file itself',
  device: 'device or special file, not a regular file',
  other: 'not a regular file',
};

/**
 * The decisions shared by every source, in one place so zip, tar, uploads and folders behave
 * the same. Unsafe names and caps throw (the import aborts); links, nested archives and
 * repeated names skip just that entry with a reason; folders and OS clutter are ignored.
 */
export class EntryClassifier {
  private readonly seenKeys = new Set<string>();

  constructor(private readonly tracker: LimitTracker) {}

  classify(rawName: string, type: EntryType): EntryDecision {
    this.tracker.countEntry();
    const verdict = toEntryKey(rawName, type === 'directory');
    if (verdict.kind !== 'file') return { action: 'ignore' };
    const key = verdict.key;
    if (type !== 'file' && type !== 'directory')
      return { action: 'skip', path: key, reason: TYPE_REASONS[type] };
    const nested = describeNestedArchive(key);
    if (nested) return { action: 'skip', path: key, reason: nested };
    // NFD and NFC spellings of one name (or `a//b` and `a/b`) collapse to one key; keep the first.
    if (this.seenKeys.has(key))
      return {
        action: 'skip',
        path: key,
        reason: 'duplicate entry name: an earlier entry has the same path',
      };
    this.seenKeys.add(key);
    return { action: 'read', key };
  }
}
