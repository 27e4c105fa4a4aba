import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type Studio } from './harness';

let studio: Studio;

beforeAll(async () => {
  studio = await startStudio({ withWorker: false });
});

afterAll(async () => {
  await studio?.close();
});

const MIB = 1024 * 1024;
/** How long the web app may drain before it is killed, as `docker stop` allows by default. */
const STOP_TIMEOUT_MS = 10_000;

/** Sends an archive of `total` bytes at about 2 MiB/s into a new dataset. */
async function startUpload(name: string, total: number) {
  const created = await studio.api('/api/datasets', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sourceKind: 'archive', name }),
  });
  const { id } = (await created.json()) as { id: string };
  const progress = { datasetId: id, sent: 0 };
  const chunk = new Uint8Array(64 * 1024).fill(7);
  chunk.set([0x50, 0x4b, 0x03, 0x04]); // a zip's first bytes, so the upload is taken
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (progress.sent >= total) return controller.close();
      await new Promise((r) => setTimeout(r, 30));
      progress.sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const outcome = studio
    .api(`/api/datasets/${id}/archive?filename=${name}.zip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit)
    .then(
      (response) => response.status,
      () => 'cut off' as const,
    );
  return { progress, outcome };
}

async function storedUploads(datasetId: string) {
  const db = studio.database.db;
  const tasks = await db.importTask.findMany({ where: { datasetId } });
  const blobs = await db.blob.findMany({
    where: { key: { in: tasks.map((t) => t.source!) } },
  });
  return { tasks: tasks.length, bytes: blobs.map((b) => Number(b.size)) };
}

describe('the web app stopped (SIGTERM, then SIGKILL after 10 s) during uploads', () => {
  it('finishes an upload that ends in time, and stores nothing of one cut off', async () => {
    const short = await startUpload('short', 12 * MIB);
    const long = await startUpload('long', 120 * MIB);
    while (short.progress.sent < 4 * MIB) await new Promise((r) => setTimeout(r, 100));

    const signalled = Date.now();
    await studio.stopWeb(STOP_TIMEOUT_MS);
    const exitS = (Date.now() - signalled) / 1000;
    const [shortOutcome, longOutcome] = await Promise.all([short.outcome, long.outcome]);
    console.log(
      `web gone ${exitS.toFixed(1)} s after SIGTERM; short upload: ${shortOutcome}; long upload: ${longOutcome} after ${(long.progress.sent / MIB).toFixed(1)} MiB`,
    );
    expect(exitS).toBeLessThan(STOP_TIMEOUT_MS / 1000 + 5);
    // Next drains requests in flight on SIGTERM: the short upload is accepted whole.
    expect(shortOutcome).toBe(202);
    expect(await storedUploads(short.progress.datasetId)).toEqual({
      tasks: 1,
      bytes: [12 * MIB],
    });
    // The long one is cut by the kill while its body still goes to a temporary file, so nothing
    // of it is stored and no import waits for a worker.
    expect(longOutcome).toBe('cut off');
    expect(await storedUploads(long.progress.datasetId)).toEqual({ tasks: 0, bytes: [] });
    const db = studio.database.db;
    expect(await db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(1);
    expect(await db.blobChunk.count({ where: { blobKey: { startsWith: 'upload:' } } })).toBe(3);
    // Its dataset waits as "importing" with nothing feeding it: the worker's dataset reconciler
    // marks it failed (apps/worker/src/jobs/reconcile-datasets.integration.test.ts).
    const cut = await db.dataset.findUniqueOrThrow({ where: { id: long.progress.datasetId } });
    expect(cut.status).toBe('importing');
  });
});
