import { DatasetError, quoteName } from './errors';

/** What an archive entry name becomes: a safe relative key, or a reason not to import it. */
export type EntryNameVerdict =
  { kind: 'file'; key: string } | { kind: 'directory' } | { kind: 'ignored'; key: string };

const MAX_KEY_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;
// Files operating systems drop into folders and archives; nobody means to train on them.
const IGNORED_BASENAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);
const IGNORED_FOLDERS = new Set(['__macosx']);
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Turns an entry name from an archive or an upload into a safe relative key:
 * `/` separators, NFC, no empty, `.` or `..` segments, never absolute.
 *
 * The key is only ever a lookup key; it is never joined onto a filesystem path.
 * It is still made safe because other code (exports, previews) may trust it.
 * Unsafe names throw `UNSAFE_ENTRY_NAME`: an archive that contains one was crafted, so the
 * whole import stops rather than quietly importing the rest.
 */
export function toEntryKey(rawName: string, isDirectory = false): EntryNameVerdict {
  if (rawName.includes('\u0000')) throwUnsafe(rawName, 'it contains a NUL character');
  // Windows tools write `\` as the separator; treating it as one lets `..\` be caught below.
  const name = rawName.replace(/\\/g, '/').normalize('NFC');
  if (CONTROL_CHARACTERS.test(name)) throwUnsafe(rawName, 'it contains a control character');
  if (name.startsWith('/')) throwUnsafe(rawName, 'it is an absolute path');
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  // Checked after dropping `.` segments, so `./C:/x` cannot become `C:/x`.
  if (/^[a-z]:/i.test(segments[0] ?? '')) throwUnsafe(rawName, 'it starts with a drive letter');
  for (const segment of segments) {
    // `..`, `...`, `.. ` all climb (or do after Windows trims trailing dots and spaces).
    if (/^[. ]+$/.test(segment))
      throwUnsafe(rawName, `it contains the segment ${quoteName(segment)}`);
    if (segment.length > MAX_SEGMENT_LENGTH)
      throwUnsafe(rawName, `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`);
  }
  const key = segments.join('/');
  if (key.length > MAX_KEY_LENGTH)
    throwUnsafe(rawName, `it is longer than ${MAX_KEY_LENGTH} characters`);

  if (key === '' || isDirectory || name.endsWith('/')) return { kind: 'directory' };
  if (isIgnoredKey(key)) return { kind: 'ignored', key };
  return { kind: 'file', key };
}

/** macOS resource forks, Finder and Explorer metadata: ignored without a message. */
export function isIgnoredKey(key: string): boolean {
  const segments = key.split('/');
  const base = (segments.at(-1) ?? '').toLowerCase();
  if (IGNORED_BASENAMES.has(base) || base.startsWith('._')) return true;
  return segments.some((segment) => IGNORED_FOLDERS.has(segment.toLowerCase()));
}

function throwUnsafe(rawName: string, why: string): never {
  throw new DatasetError(
    'UNSAFE_ENTRY_NAME',
    `Import stopped: the entry name ${quoteName(rawName)} is unsafe because ${why}. ` +
      'Entry names must be relative paths inside the archive (no "..", no leading "/" or drive letter). ' +
      'Re-create the archive from the folder itself.',
    { name: rawName.slice(0, MAX_KEY_LENGTH), reason: why },
  );
}
