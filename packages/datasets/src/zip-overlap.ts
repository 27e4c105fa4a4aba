import { DatasetError, quoteName } from './errors';

/** Size of a zip local file header before its name and extra field. */
const LOCAL_HEADER_BYTES = 30;

interface Span {
  start: number;
  end: number;
  name: string;
}

// Spans are kept sorted by start in blocks of at most 2·BLOCK_SIZE, so an insert anywhere
// (archives may list entries in any order) moves at most a block, never the whole list.
const BLOCK_SIZE = 512;

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
  private readonly blocks: Span[][] = [];

  check(offset: number, compressedSize: number, name: string): void {
    const span: Span = { start: offset, end: offset + LOCAL_HEADER_BYTES + compressedSize, name };
    if (this.blocks.length === 0) {
      this.blocks.push([span]);
      return;
    }
    const b = Math.max(0, countStartsAtOrBefore(this.blocks, offset, (block) => block[0]!) - 1);
    const block = this.blocks[b]!;
    const at = countStartsAtOrBefore(block, offset, (s) => s);
    const before = at > 0 ? block[at - 1] : this.blocks[b - 1]?.at(-1);
    const after = at < block.length ? block[at] : this.blocks[b + 1]?.[0];
    if (before && before.end > span.start) this.refuse(before.name, name);
    if (after && after.start < span.end) this.refuse(after.name, name);
    block.splice(at, 0, span);
    if (block.length > 2 * BLOCK_SIZE)
      this.blocks.splice(b, 1, block.slice(0, BLOCK_SIZE), block.slice(BLOCK_SIZE));
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

/** How many items (sorted by start) start at or before `offset`: binary search. */
function countStartsAtOrBefore<T>(items: T[], offset: number, spanOf: (item: T) => Span): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (spanOf(items[middle]!).start <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
