import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { reconcileDatasets } from './reconcile-datasets';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const GRACE_MS = 30 * 60_000;
const later = () => Date.now() + 2 * GRACE_MS;

describe('reconciling datasets whose upload stopped', () => {
  it('fails an importing dataset nothing is feeding, and leaves live and finished ones alone', async () => {
    const dataset = (name: string, status: 'importing' | 'ready' = 'importing') =>
      t.db.dataset.create({ data: { name, sourceKind: 'archive', status } });
    // The web app stopped while the archive streamed in: no import task was ever made.
    const cut = await dataset('cut off');
    const queued = await dataset('import queued');
    await t.db.importTask.create({ data: { datasetId: queued.id, kind: 'archive' } });
    const failedImport = await dataset('import finished, dataset left importing');
    await t.db.importTask.create({
      data: { datasetId: failedImport.id, kind: 'archive', status: 'done' },
    });
    const ready = await dataset('ready', 'ready');

    expect(await reconcileDatasets(t.db, { graceMs: GRACE_MS })).toEqual([]);
    const stalled = await reconcileDatasets(t.db, { graceMs: GRACE_MS, now: later() });
    expect(stalled.sort()).toEqual([cut.id, failedImport.id].sort());
    const after = await t.db.dataset.findUniqueOrThrow({ where: { id: cut.id } });
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/^The upload stopped before it finished .* 0 images arrived\./);
    for (const live of [queued, ready])
      expect((await t.db.dataset.findUniqueOrThrow({ where: { id: live.id } })).status).toBe(
        live.status,
      );
    expect(await reconcileDatasets(t.db, { graceMs: GRACE_MS, now: later() })).toEqual([]);
  });
});
