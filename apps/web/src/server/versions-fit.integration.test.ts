// Dataset versions that fit what a user expects: stratified splits, and no one-class versions.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POST as createVersionRoute } from '@/app/api/datasets/[id]/versions/route';
import { POST as previewRoute } from '@/app/api/datasets/[id]/preview/route';
import { POST as createRunRoute } from '@/app/api/runs/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let f: RouteFixture;

beforeAll(async () => {
  f = await createRouteFixture();
});
afterAll(() => f?.close());

const post = (path: string, body: unknown) =>
  f.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const params = (id: string) => ({ params: Promise.resolve({ id }) });

/** A dataset of imported files at `paths` (the labelling reads only their paths). */
async function datasetOf(paths: string[]) {
  const dataset = await f.database.db.dataset.create({
    data: { name: 'files', sourceKind: 'upload', status: 'ready', teamId: f.teamId },
  });
  await f.database.db.datasetFile.createMany({
    data: paths.map((path, i) => ({
      datasetId: dataset.id,
      path,
      blobKey: `k${i}`,
      sha256: String(i).padStart(64, '0'),
      width: 8,
      height: 8,
      format: 'jpeg',
      bytes: 100,
    })),
  });
  return dataset.id;
}

describe('versions that fit the data', () => {
  it('splits at random per class by default: every class gets the same validation share', async () => {
    const paths = [0, 1, 2, 3, 4].flatMap((c) =>
      Array.from({ length: 40 }, (_, i) => `class${c}/img_${i}.jpg`),
    );
    const id = await datasetOf(paths);
    const response = await createVersionRoute(
      post(`/api/datasets/${id}/versions`, {
        labelling: { scheme: 'folder' },
        split: { useFolderSplit: false, validPct: 0.2, seed: 42 },
      }),
      params(id),
    );
    expect(response.status).toBe(201);
    const { counts } = (await response.json()) as {
      counts: { valid: Record<string, number> };
    };
    expect(counts.valid).toEqual({ class0: 8, class1: 8, class2: 8, class3: 8, class4: 8 });
  });

  it('refuses a one-class version of a flat folder, suggesting the regex scheme', async () => {
    const id = await datasetOf(
      ['Abyssinian', 'beagle'].flatMap((breed) =>
        Array.from({ length: 10 }, (_, i) => `images/${breed}_${i}.jpg`),
      ),
    );
    const request = {
      labelling: { scheme: 'folder' },
      split: { useFolderSplit: false, validPct: 0.2, seed: 42 },
    };
    const preview = await previewRoute(post(`/api/datasets/${id}/preview`, request), params(id));
    const { warnings } = (await preview.json()) as { warnings: string[] };
    expect(warnings[0]).toMatch(/at least two classes/);

    const response = await createVersionRoute(
      post(`/api/datasets/${id}/versions`, request),
      params(id),
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(/same label \("images"\): a classifier needs at least two classes/);
    expect(error).toMatch(/choose "Regular expression"/);
    expect(await f.database.db.datasetVersion.count({ where: { datasetId: id } })).toBe(0);
  });

  it('refuses a run on a one-class version and says why', async () => {
    const id = await datasetOf(['cats/a.jpg', 'cats/b.jpg']);
    const version = await f.database.db.datasetVersion.create({
      data: {
        datasetId: id,
        number: 1,
        labelling: { scheme: 'folder' },
        split: { kind: 'random', validPct: 0.5, seed: 42 },
        classes: ['cats'],
        counts: { train: { cats: 1 }, valid: { cats: 1 } },
      },
    });
    const response = await createRunRoute(
      post('/api/runs', {
        versionId: version.id,
        name: 'one class',
        arch: 'mobilenet_v2_0.35',
        config: { size: 32, bs: 1 },
        stages: [],
      }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /has 1 class: a classifier needs at least two/,
    );
  });
});
