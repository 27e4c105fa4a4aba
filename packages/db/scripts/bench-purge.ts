/**
 * Measures deleting a dataset: a throwaway database, a folder of ../shared/datasets imported
 * into one dataset (default sign-language-digits) with one version of every image, then the
 * delete confirmation's count and the delete itself. Prints one JSON line. Usage:
 *   npx tsx scripts/bench-purge.ts [sign-language-digits | clothing-small]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readUploadedFiles } from '@studio/datasets';
import { sharedPath } from '@studio/shared';
import { PostgresBlobStore } from '../src/blob-store';
import { importIntoDataset } from '../src/dataset-import';
import { datasetFootprint, purgeDataset } from '../src/purge';
import { createTestDatabase } from '../src/testing';

const folder = sharedPath('datasets', process.argv[2] || 'sign-language-digits');
const t = await createTestDatabase();
try {
  const entries = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((e) =>
    e.isFile(),
  );
  const files = entries.map((e) => {
    const full = path.join(e.parentPath, e.name);
    return { path: path.relative(folder, full), read: () => readFile(full) };
  });
  const dataset = await t.db.dataset.create({
    data: { name: 'bench', sourceKind: 'folder', status: 'ready' },
  });
  await importIntoDataset(t.db, new PostgresBlobStore(t.db), dataset.id, readUploadedFiles(files));
  const rows = await t.db.datasetFile.findMany({ where: { datasetId: dataset.id } });
  await t.db.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      number: 1,
      labelling: { scheme: 'folder' },
      split: {},
      classes: [],
      counts: {},
      items: { create: rows.map((r) => ({ fileId: r.id, labels: ['x'], split: 'train' })) },
    },
  });
  const timed = async <T>(fn: () => Promise<T>) => {
    const started = performance.now();
    const value = await fn();
    return { value, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
  };
  const preview = await timed(() => datasetFootprint(t.db, dataset.id));
  const purge = await timed(() => purgeDataset(t.db, dataset.id));
  console.log(
    JSON.stringify({
      part: 'purge',
      folder,
      images: purge.value.images,
      blobs: purge.value.blobs,
      bytesFreed: purge.value.bytesFreed,
      previewSeconds: preview.seconds,
      deleteSeconds: purge.seconds,
    }),
  );
} finally {
  await t.drop();
}
