import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type Studio } from './harness';

let studio: Studio;
beforeAll(async () => {
  studio = await startStudio();
});
afterAll(async () => {
  await studio?.close();
});

interface Health {
  ok: boolean;
  down: string[];
  database: { ok: boolean };
  queue: { ok: boolean };
  workers: { ok: boolean; count: number; list: { id: string; pid: number }[] };
}

async function health(): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${studio.url}/api/health`);
  return { status: response.status, body: (await response.json()) as Health };
}

describe('GET /api/health', () => {
  it('answers 200 with every part up while a worker runs', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      down: [],
      database: { ok: true },
      queue: { ok: true },
      workers: { ok: true, count: 1 },
    });
  });

  it('answers 503 naming the worker once it has stopped, and 200 again when one is back', async () => {
    await studio.stopWorker('SIGTERM');
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.down).toEqual(['worker']);
    studio.startWorker();
    await expect
      .poll(async () => (await health()).status, { timeout: 60_000, interval: 500 })
      .toBe(200);
  });

  it('rejects malformed requests with a specific message', async () => {
    const response = await studio.api('/api/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceKind: 'url', name: 'x', url: 'file:///etc/passwd' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /Only http\(s\) URLs can be imported/,
    );
    const missing = await studio.api('/api/datasets/00000000-0000-0000-0000-000000000000/ls');
    expect(missing.status).toBe(404);
  });
});
