import type { Prisma } from './generated/prisma/client';
import type { Db } from './client';

/** One correction from the top losses: a new label, or out of the dataset. */
export type LabelCorrection =
  { fileId: string; action: 'relabel'; label: string } | { fileId: string; action: 'exclude' };

/** Where a corrected version came from, kept in its `labelling` (fastai's ImageCleaner). */
export interface CorrectionsLabelling {
  scheme: 'corrections';
  fromVersionId: string;
  fromVersionNumber: number;
  runId: string;
  stageId: string;
  relabelled: number;
  excluded: number;
}

export class CorrectionError extends Error {}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A new immutable version of a dataset: the source version's items with `corrections` applied
 * (fastai v1 `DatasetFormatter.from_toplosses` + `ImageCleaner`), the same split, classes and
 * counts recomputed. The source version is left as it is.
 */
export async function createCorrectedVersion(
  db: Db,
  source: { versionId: string; runId: string; stageId: string },
  corrections: readonly LabelCorrection[],
) {
  const version = await db.datasetVersion.findUniqueOrThrow({
    where: { id: source.versionId },
    include: { items: { select: { fileId: true, labels: true, split: true } } },
  });
  const itemOf = new Map(version.items.map((i) => [i.fileId, i]));
  const change = new Map<string, LabelCorrection>();
  for (const c of corrections) {
    const item = itemOf.get(c.fileId);
    if (!item) {
      throw new CorrectionError(
        `Image ${c.fileId} is not in version ${version.number}; corrections apply to its images only.`,
      );
    }
    if (c.action === 'relabel' && !version.classes.includes(c.label)) {
      throw new CorrectionError(
        `"${c.label}" is not a class of version ${version.number} (classes: ${version.classes.join(', ')}).`,
      );
    }
    if (c.action === 'relabel' && item.labels.length === 1 && item.labels[0] === c.label) continue;
    change.set(c.fileId, c);
  }
  if (change.size === 0) {
    throw new CorrectionError('Nothing changes: mark at least one image to relabel or exclude.');
  }
  const items = version.items.flatMap((item) => {
    const c = change.get(item.fileId);
    if (c?.action === 'exclude') return [];
    return [{ ...item, labels: c ? [c.label] : item.labels }];
  });
  const counts = { train: {}, valid: {}, test: {} } as Record<string, Record<string, number>>;
  const classes = new Set<string>();
  for (const item of items) {
    for (const label of item.labels) {
      counts[item.split]![label] = (counts[item.split]![label] ?? 0) + 1;
      if (item.split !== 'test') classes.add(label);
    }
  }
  const sortedCounts = Object.fromEntries(
    Object.entries(counts).map(([split, c]) => [
      split,
      Object.fromEntries(Object.entries(c).sort(([a], [b]) => byCodeUnits(a, b))),
    ]),
  );
  const excluded = [...change.values()].filter((c) => c.action === 'exclude').length;
  const labelling: CorrectionsLabelling = {
    scheme: 'corrections',
    fromVersionId: version.id,
    fromVersionNumber: version.number,
    runId: source.runId,
    stageId: source.stageId,
    relabelled: change.size - excluded,
    excluded,
  };
  return db.$transaction(
    async (tx) => {
      // Serialises concurrent saves of one dataset so version numbers stay unique and gapless.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', version.datasetId);
      const last = await tx.datasetVersion.findFirst({
        where: { datasetId: version.datasetId },
        orderBy: { number: 'desc' },
        select: { number: true },
      });
      const saved = await tx.datasetVersion.create({
        data: {
          datasetId: version.datasetId,
          number: (last?.number ?? 0) + 1,
          labelling: labelling as unknown as Prisma.InputJsonValue,
          split: version.split as Prisma.InputJsonValue,
          classes: [...classes].sort(byCodeUnits),
          counts: sortedCounts,
          unlabelled: version.unlabelled,
        },
      });
      for (let at = 0; at < items.length; at += 5000) {
        await tx.datasetVersionItem.createMany({
          data: items.slice(at, at + 5000).map((i) => ({ ...i, versionId: saved.id })),
        });
      }
      return { id: saved.id, number: saved.number, datasetId: version.datasetId, ...labelling };
    },
    { timeout: 60_000 },
  );
}
