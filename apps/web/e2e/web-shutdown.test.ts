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

describe('the web app stopped (SIGTERM) during an upload', () => {
  it('ends the upload, stores no part of the archive, and exits promptly', async () => {
    const created = await studio.api('/api/datasets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sourceKind: 'archive', name: 'cut off' }),
    });
    const { id } = (await created.json()) as { id: string };
    // An archive sent at about 2 MiB/s that would take half a minute: past the first 4 MiB
    // chunk (written inside the blob's transaction) when the signal comes.
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 60 * MIB) return controller.close();
        await new Promise((r) => setTimeout(r, 30));
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const upload = studio
      .api(`/api/datasets/${id}/archive?filename=photos.zip`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit)
      .then(
        async (response) => `HTTP ${response.status} ${await response.text()}`,
        (error: Error) => `failed: ${error.message}`,
      );
    while (sent < 8 * MIB) await new Promise((r) => setTimeout(r, 100));

    const signalled = Date.now();
    await studio.stopWeb('SIGTERM');
    const exitS = (Date.now() - signalled) / 1000;
    const outcome = await upload;
    console.log(
      `web exited ${exitS.toFixed(1)} s after SIGTERM with ${(sent / MIB).toFixed(1)} MiB sent; the upload: ${outcome}`,
    );
    expect(exitS).toBeLessThan(30);
    const db = studio.database.db;
    // The blob's transaction never committed: no bytes, no import, nothing for a worker to find.
    expect(await db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(0);
    expect(await db.blobChunk.count({ where: { blobKey: { startsWith: 'upload:' } } })).toBe(0);
    expect(await db.importTask.count({ where: { datasetId: id } })).toBe(0);
    // The dataset waits as "importing" with nothing feeding it: the worker's dataset reconciler
    // marks it failed (apps/worker/src/jobs/reconcile-datasets.integration.test.ts).
    expect((await db.dataset.findUniqueOrThrow({ where: { id } })).status).toBe('importing');
  });
});
