import type { Db } from '@studio/db';

/**
 * A dataset stays "importing" while its upload arrives (the browser's batches, or an archive
 * streaming into the web app) and while its import job runs. When the web app stopped mid-upload
 * or the browser left, nothing would ever finish it: datasets importing with no queued or running
 * import and nothing new for `graceMs` are marked failed with what arrived, so the page says so
 * instead of spinning forever. Idempotent; several workers may run it at once.
 */
export async function reconcileDatasets(
  db: Db,
  options: { graceMs: number; now?: number },
): Promise<string[]> {
  const cutoff = new Date((options.now ?? Date.now()) - options.graceMs);
  const stalled = await db.dataset.findMany({
    where: {
      status: 'importing',
      updatedAt: { lt: cutoff },
      imports: {
        none: { OR: [{ status: { in: ['queued', 'running'] } }, { updatedAt: { gte: cutoff } }] },
      },
      files: { none: { createdAt: { gte: cutoff } } },
    },
    select: { id: true, _count: { select: { files: true } } },
  });
  for (const dataset of stalled) {
    const files = dataset._count.files;
    await db.dataset.updateMany({
      where: { id: dataset.id, status: 'importing', updatedAt: { lt: cutoff } },
      data: {
        status: 'failed',
        error:
          `The upload stopped before it finished (the web server restarted or the browser left) and nothing arrived for ${Math.round(options.graceMs / 60_000)} minutes; ` +
          `${files.toLocaleString('en')} ${files === 1 ? 'image' : 'images'} arrived. Upload again into a new dataset.`,
      },
    });
  }
  return stalled.map((d) => d.id);
}
