import { EntryClassifier } from './entry-classifier';
import { LimitTracker, resolveLimits, throwLimitExceeded } from './limits';
import type { SourceEntry, SourceOptions } from './source-entry';

/**
 * A file from a folder upload. The browser's `webkitRelativePath` (or the name the client
 * sent) is untrusted text, so it goes through the same key rules as an archive entry name.
 * A web `File` fits with `{ path: file.webkitRelativePath || file.name, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) }`.
 */
export interface UploadedFile {
  path: string;
  /** Declared size, checked against the per-entry cap before reading. */
  size?: number;
  read(): Promise<Uint8Array | ArrayBuffer>;
}

/** Turns a folder upload into entries, with the same caps and skip rules as an archive. */
export async function* readUploadedFiles(
  files: Iterable<UploadedFile> | AsyncIterable<UploadedFile>,
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  const tracker = new LimitTracker(resolveLimits(options.limits));
  const classifier = new EntryClassifier(tracker);
  for await (const file of files) {
    options.signal?.throwIfAborted();
    const decision = classifier.classify(file.path, 'file');
    if (decision.action === 'ignore') continue;
    if (decision.action === 'skip') {
      yield { kind: 'skipped', path: decision.path, reason: decision.reason };
      continue;
    }
    if (file.size !== undefined && file.size > tracker.limits.maxEntryBytes) {
      throwLimitExceeded(
        'maxEntryBytes',
        tracker.limits.maxEntryBytes,
        file.size,
        `file "${decision.key}"`,
      );
    }
    const data = await file.read();
    const bytes = Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    tracker.addBytes(bytes.length, bytes.length, decision.key);
    yield { kind: 'file', path: decision.key, bytes };
  }
}
