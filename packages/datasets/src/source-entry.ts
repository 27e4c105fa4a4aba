import type { ImportLimits } from './limits';

/**
 * One item coming out of an archive, upload or folder: either the bytes of a file under its
 * safe key, or a file that will not be imported and why. Sources yield entries one at a time
 * so only the entries being processed are in memory, never the whole archive.
 */
export type SourceEntry =
  { kind: 'file'; path: string; bytes: Buffer } | { kind: 'skipped'; path: string; reason: string };

/** Options every source accepts. */
export interface SourceOptions {
  /** Overrides for the default caps (`DEFAULT_LIMITS`). */
  limits?: Partial<ImportLimits>;
  /** Stops reading between entries and inside long reads. */
  signal?: AbortSignal;
}

/** What a source knows about an entry before reading it. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'other';
