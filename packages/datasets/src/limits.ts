import { DatasetError, formatCount } from './errors';

/** Caps that stop an archive (or upload) from exhausting memory, disk or time (DESIGN.md §7). */
export interface ImportLimits {
  /** Entries of any kind (files and folders) in one archive or upload. */
  maxEntries: number;
  /** Decompressed bytes of one entry. */
  maxEntryBytes: number;
  /** Decompressed bytes of all entries together. */
  maxTotalBytes: number;
  /** Decompressed ÷ compressed bytes, per zip entry or for a whole .tar.gz stream. */
  maxCompressionRatio: number;
  /** The ratio is only judged past this many decompressed bytes: tiny text files compress well legitimately. */
  ratioGraceBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Defaults sized for lesson-1 datasets: Oxford-IIIT Pets is ~7,400 images and ~800 MB;
 * a 3024×3024 phone JPEG is ~5 MB. Real image archives barely compress (ratio ≈ 1),
 * so a ratio of 100 is far above anything legitimate and far below a zip bomb (≈ 1000).
 */
export const DEFAULT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxEntries: 100_000,
  maxEntryBytes: 64 * MiB,
  maxTotalBytes: 4 * 1024 * MiB,
  maxCompressionRatio: 100,
  ratioGraceBytes: 1 * MiB,
});

/** Fills in the defaults for any limit the caller did not override. */
export function resolveLimits(overrides: Partial<ImportLimits> = {}): ImportLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** Throws the one error every cap produces, so the UI can name the limit and the value. */
export function throwLimitExceeded(
  limit: keyof ImportLimits,
  max: number,
  received: number,
  what: string,
): never {
  const isBytes = limit !== 'maxEntries' && limit !== 'maxCompressionRatio';
  const show = (n: number): string => (isBytes ? formatBytes(n) : formatCount(Math.round(n)));
  throw new DatasetError(
    'LIMIT_EXCEEDED',
    `Import stopped: ${what} exceeds the ${limit} limit (${show(received)} > ${show(max)}). ` +
      `The archive may be a decompression bomb; if it is genuine, split it into smaller archives or raise ${limit}.`,
    { limit, max, received },
  );
}

/** Counts entries and bytes across one import and enforces the caps as data arrives. */
export class LimitTracker {
  private entries = 0;
  private totalBytes = 0;

  constructor(readonly limits: ImportLimits) {}

  /** Call once per entry header, before reading any of its bytes. */
  countEntry(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throwLimitExceeded(
        'maxEntries',
        this.limits.maxEntries,
        this.entries,
        'the number of entries',
      );
    }
  }

  /** Call as decompressed bytes of an entry arrive; `entryBytes` is that entry's running total. */
  addBytes(chunkBytes: number, entryBytes: number, name: string): void {
    this.totalBytes += chunkBytes;
    if (entryBytes > this.limits.maxEntryBytes) {
      throwLimitExceeded('maxEntryBytes', this.limits.maxEntryBytes, entryBytes, `entry "${name}"`);
    }
    if (this.totalBytes > this.limits.maxTotalBytes) {
      throwLimitExceeded(
        'maxTotalBytes',
        this.limits.maxTotalBytes,
        this.totalBytes,
        'the total decompressed size',
      );
    }
  }

  /** Checks decompressed ÷ compressed once enough bytes arrived for the ratio to mean something. */
  checkRatio(decompressed: number, compressed: number, what: string): void {
    if (decompressed <= this.limits.ratioGraceBytes) return;
    const ratio = decompressed / Math.max(compressed, 1);
    if (ratio > this.limits.maxCompressionRatio) {
      throwLimitExceeded(
        'maxCompressionRatio',
        this.limits.maxCompressionRatio,
        ratio,
        `the compression ratio of ${what}`,
      );
    }
  }
}

/** `1536` → `1.5 KiB`: limits are easier to read in binary units. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${formatCount(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
