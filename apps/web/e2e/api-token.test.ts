import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '@studio/db/testing';
import { startStudio, type Studio } from './harness';

/** What README's HTTP API section shows: a script with a token, no browser and no cookie. */

let studio: Studio;
let token: string;
const SIGNS = path.join(SHARED, 'datasets/sign-language-digits');

beforeAll(async () => {
  studio = await startStudio();
  const created = await studio.api('/api/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'training script', scope: 'write' }),
  });
  token = ((await created.json()) as { token: string }).token;
});

afterAll(async () => {
  await studio?.close();
});

/** A script's request: the bearer token only. */
async function call(method: string, pathname: string, body?: BodyInit | object) {
  const isJson = body !== undefined && !(body instanceof FormData);
  const response = await fetch(`${studio.url}${pathname}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(isJson ? { 'Content-Type': 'application/json' } : {}),
    },
    body: isJson ? JSON.stringify(body) : (body as BodyInit | undefined),
  });
  if (!response.ok)
    throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  return response;
}

describe('the HTTP API with a token', () => {
  it('uploads a dataset, trains a run and fetches its results', async () => {
    const { id: datasetId } = (await (
      await call('POST', '/api/datasets', { sourceKind: 'folder', name: 'signs by script' })
    ).json()) as { id: string };
    const form = new FormData();
    for (const sign of ['0', '1']) {
      for (const name of (await readdir(path.join(SIGNS, sign))).sort().slice(0, 12)) {
        const bytes = await readFile(path.join(SIGNS, sign, name));
        form.append('files', new File([bytes], `${sign}/${name}`));
      }
    }
    const batch = (await (await call('POST', `/api/datasets/${datasetId}/files`, form)).json()) as {
      imported: number;
    };
    expect(batch.imported).toBe(24);
    await call('POST', `/api/datasets/${datasetId}/complete`);
    const version = (await (
      await call('POST', `/api/datasets/${datasetId}/versions`, {
        labelling: { scheme: 'folder' },
        split: { validPct: 0.25, seed: 42 },
      })
    ).json()) as { id: string; classes: string[] };
    expect(version.classes).toEqual(['0', '1']);

    const { id: runId } = (await (
      await call('POST', '/api/runs', {
        versionId: version.id,
        name: 'trained by a script',
        arch: 'mobilenet_v2_0.35',
        config: { size: 64, bs: 8 },
        stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
        launch: true,
      })
    ).json()) as { id: string };
    let run: { status: string; createdBy: { name: string }; stages: { id: string }[] };
    const deadline = Date.now() + 240_000;
    do {
      await new Promise((r) => setTimeout(r, 2000));
      run = (await (await call('GET', `/api/runs/${runId}`)).json()) as typeof run;
    } while (!['done', 'failed', 'cancelled'].includes(run.status) && Date.now() < deadline);
    expect(run.status).toBe('done');
    // The token acts for the person who made it.
    expect(run.createdBy.name).toBe('Olivia Owner');

    const stageId = run.stages[0]!.id;
    const zip = unzipSync(
      new Uint8Array(await (await call('GET', `/api/stages/${stageId}/export`)).arrayBuffer()),
    );
    expect(Object.keys(zip)).toEqual(expect.arrayContaining(['model.json', 'classes.json']));
    expect(JSON.parse(new TextDecoder().decode(zip['classes.json']))).toEqual(['0', '1']);
    const csv = await (await call('GET', `/api/stages/${stageId}/confusion.csv`)).text();
    expect(csv.split('\n')[0]).toMatch(/0.*1/);

    // The audit trail names the token that did it.
    const audit = (await (await studio.api('/api/audit?action=run.create')).json()) as {
      events: { targetId: string; actor: { user: string; token: string } }[];
    };
    expect(audit.events.find((e) => e.targetId === runId)?.actor).toEqual({
      user: 'Olivia Owner',
      token: 'training script',
    });
  }, 300_000);
});
