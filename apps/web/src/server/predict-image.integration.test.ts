import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHARED } from '@studio/db/testing';
import { POST as predictRoute } from '@/app/api/stages/[id]/predict/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let studio: RouteFixture;
let stageId = '';

beforeAll(async () => {
  studio = await createRouteFixture();
  const db = studio.database.db;
  const dataset = await db.dataset.create({
    data: { name: 'predict', sourceKind: 'folder', teamId: studio.teamId },
  });
  const version = await db.datasetVersion.create({
    data: { datasetId: dataset.id, number: 1, labelling: {}, split: {}, classes: [], counts: {} },
  });
  const run = await db.run.create({
    data: {
      name: 'exported',
      versionId: version.id,
      arch: 'mobilenet_v2_0.35',
      config: {},
      teamId: studio.teamId,
      stages: { create: { index: 0, kind: 'fit_one_cycle', params: {}, status: 'done' } },
    },
    include: { stages: true },
  });
  stageId = run.stages[0]!.id;
  await db.stageExport.create({ data: { stageId, files: [], bytes: 0n } });
});

afterAll(async () => {
  await studio?.close();
});

async function predict(contentType: string, body: BodyInit) {
  const response = await predictRoute(
    studio.request(`/api/stages/${stageId}/predict`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }),
    { params: Promise.resolve({ id: stageId }) },
  );
  return { status: response.status, error: ((await response.json()) as { error: string }).error };
}

const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(1)</script></svg>';

describe('POST /api/stages/:id/predict takes what dataset imports take', () => {
  it('refuses an SVG (415) as imports do, before any worker sees it', async () => {
    expect(await predict('image/svg+xml', svg)).toEqual({
      status: 415,
      error:
        'The upload is not an image the studio reads: unsupported image format (SVG): convert it to JPEG or PNG. Predictions take what dataset imports take: JPEG, PNG, WebP, GIF, AVIF or TIFF.',
    });
  });

  it('refuses text sent as a PNG', async () => {
    const { status, error } = await predict('image/png', 'just some words');
    expect(status).toBe(415);
    expect(error).toMatch(/not an image \(content is text\)/);
  });

  it('passes a photo on to the workers (none runs here: 503)', async () => {
    const photo = await readFile(path.join(SHARED, 'datasets/sign-language-digits/0/IMG_1118.JPG'));
    const { status, error } = await predict('image/jpeg', new Uint8Array(photo));
    expect(status).toBe(503);
    expect(error).toMatch(/^No worker that answers predictions is running/);
  });
});
