/**
 * Measures importEntries on a real folder (default ../shared/datasets/clothing-small, read in
 * place, never copied) with an in-memory store. Prints one JSON line. Usage:
 *   npx tsx scripts/bench-import.ts [folder] [concurrency]
 * or at the repository root: npm run -s bench -- --import [folder] [concurrency]
 */
import { sharedPath } from '@studio/shared';
import { createMemoryStore, importEntries, readDirectoryEntries } from '../src/index';

const folder = process.argv[2] || sharedPath('datasets', 'clothing-small');
const concurrency = Number(process.argv[3] ?? 3);
const store = createMemoryStore();
const started = performance.now();
const result = await importEntries(readDirectoryEntries(folder), store, { concurrency });
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    part: 'import',
    folder,
    concurrency,
    seconds: Number(seconds.toFixed(2)),
    imagesPerSecond: Math.round(result.files.length / seconds),
    files: result.files.length,
    skipped: result.skipped.length,
    duplicates: result.duplicates,
    stored: result.stored,
    skippedExamples: result.skipped.slice(0, 5),
  }),
);
