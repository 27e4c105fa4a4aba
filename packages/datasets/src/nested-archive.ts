import { getBasename, getExtension } from './path-parts';

const ARCHIVE_EXTENSIONS = new Set([
  '.zip',
  '.tar',
  '.gz',
  '.tgz',
  '.bz2',
  '.tbz2',
  '.xz',
  '.txz',
  '.zst',
  '.7z',
  '.rar',
]);

/**
 * Why an entry that looks like an archive is not opened: importing archives inside archives
 * multiplies every cap (a classic bomb shape), so the user is asked to unpack them first.
 */
export function describeNestedArchive(key: string): string | null {
  const extension = getExtension(key);
  if (!ARCHIVE_EXTENSIONS.has(extension)) return null;
  return `nested archive (${getBasename(key)}) not opened: unpack it and add its contents instead`;
}
