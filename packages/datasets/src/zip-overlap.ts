import { DatasetError, quoteName } from './errors';

/** Size of a zip local file header before its name and extra field. */
const LOCAL_HEADER_BYTES = 30;

/**
 * Refuses zips whose entries share bytes. In a genuine zip every entry owns its local header
 * and data; overlapping entries are how the non-recursive zip bombs work (many central
 * directory entries reading one compressed body, each decompressing it again), and no zip
 * tool writes them.
 *
 * Each entry is known to occupy at least `[offset, offset + 30 + compressedSize)`: the fixed
 * header, then (after a name and extra field of unknown length) the data. If those lower-bound
 * spans intersect, the real ones do too, so the check never refuses a genuine archive.
 */
export class ZipOverlapGuard {
  // Sorted by start. Archives list entries in file order, so inserts are appends; a directory
  // listed backwards costs a splice per entry (about 4 s at the 100,000-entry cap), still bounded.
  private readonly spans: Array<{ start: number; end: number; name: string }> = [];

  check(offset: number, compressedSize: number, name: string): void {
    const end = offset + LOCAL_HEADER_BYTES + compressedSize;
    const at = this.findInsertionIndex(offset);
    const before = this.spans[at - 1];
    if (before && before.end > offset) this.refuse(before.name, name);
    const after = this.spans[at];
    if (after && after.start < end) this.refuse(after.name, name);
    if (at === this.spans.length) this.spans.push({ start: offset, end, name });
    else this.spans.splice(at, 0, { start: offset, end, name });
  }

  /** The first index whose start is greater than `offset` (binary search). */
  private findInsertionIndex(offset: number): number {
    const last = this.spans.at(-1);
    if (!last || last.start <= offset) return this.spans.length;
    let low = 0;
    let high = this.spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.spans[middle] as { start: number }).start <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private refuse(other: string, name: string): never {
    throw new DatasetError(
      'ARCHIVE_CORRUPT',
      `Import stopped: the zip entries ${quoteName(other)} and ${quoteName(name)} share the same bytes in the archive. ` +
        'Zip tools never write overlapping entries; it is the shape of a zip bomb. Re-create the archive with a standard zip tool.',
      { entries: [other.slice(0, 1024), name.slice(0, 1024)] },
    );
  }
}
