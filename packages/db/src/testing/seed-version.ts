import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../client';
import { PostgresBlobStore } from '../blob-store';
import { importIntoDataset } from '../dataset-import';
import { labelFiles, readUploadedFiles, splitDataset } from '@studio/datasets';
import { sharedDir } from '@studio/shared';

/** The shared folder of real datasets and pretrained networks (STUDIO_SHARED_DIR). */
export const SHARED = sharedDir();

/**
 * A labelled, split dataset version in the test database, imported from real photos of
 * ../shared/datasets/sign-language-digits through the same library the studio uses.
 */
export async function seedSignLanguageVersion(
  db: Db,
  options: { classes: string[]; perClass: number; teamId?: string },
): Promise<string> {
  const root = path.join(SHARED, 'datasets/sign-language-digits');
  const files = [];
  for (const cls of options.classes) {
    const names = (await readdir(path.join(root, cls))).sort().slice(0, options.perClass);
    for (const name of names)
      files.push({ path: `${cls}/${name}`, read: () => readFile(path.join(root, cls, name)) });
  }
  const dataset = await db.dataset.create({
    data: {
      name: 'sign-language sample',
      sourceKind: 'folder',
      status: 'ready',
      teamId: options.teamId,
    },
  });
  await importIntoDataset(db, new PostgresBlobStore(db), dataset.id, readUploadedFiles(files));
  const rows = await db.datasetFile.findMany({
    where: { datasetId: dataset.id },
    select: { id: true, path: true },
  });
  const labelled = await labelFiles(
    rows.map((r) => r.path),
    { kind: 'folder' },
  );
  const split = splitDataset(labelled.labels, { validPct: 0.25, seed: 42 });
  const idOf = new Map(rows.map((r) => [r.path, r.id]));
  const version = await db.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      number: 1,
      labelling: { scheme: 'folder' },
      split: { kind: 'random', validPct: 0.25, seed: 42 } as Prisma.InputJsonValue,
      classes: split.classes,
      counts: split.counts,
      items: {
        create: [...split.assignments].map(([p, s]) => ({
          fileId: idOf.get(p)!,
          labels: [String(labelled.labels.get(p))],
          split: s,
        })),
      },
    },
  });
  return version.id;
}
