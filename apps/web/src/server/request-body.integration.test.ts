import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PREDICT_IMAGE_BYTES } from '@studio/shared';
import { POST as signInRoute } from '@/app/api/auth/[...all]/route';
import { POST as uploadBackboneRoute } from '@/app/api/backbones/route';
import { POST as uploadArchiveRoute } from '@/app/api/datasets/[id]/archive/route';
import { GET as listDatasetsRoute, POST as createDatasetRoute } from '@/app/api/datasets/route';
import { GET as healthRoute } from '@/app/api/health/route';
import { POST as acceptInvitationRoute } from '@/app/api/invitations/accept/route';
import { POST as createRunRoute } from '@/app/api/runs/route';
import {
  createRouteFixture,
  generatedBody,
  stalledBody,
  tricklingBody,
  type RouteFixture,
} from '@/testing/route-fixture';
import { MAX_BACKBONE_BYTES } from './backbones';
import { BODY_LIMITS } from './request-body';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

const MiB = 1024 * 1024;
const IDLE_TIMEOUT_S = 1;
const MAX_ARCHIVE_BYTES = 8 * MiB;
let studio: RouteFixture;

beforeAll(async () => {
  studio = await createRouteFixture({
    STUDIO_BODY_IDLE_TIMEOUT_S: String(IDLE_TIMEOUT_S),
    STUDIO_MAX_UPLOAD_BYTES: String(MAX_ARCHIVE_BYTES),
  });
});

afterAll(async () => {
  await studio?.close();
});

/** An anonymous JSON-typed request from the studio's own page, with a streamed body. */
const anonymousRequest = (
  path: string,
  body: ReadableStream<Uint8Array>,
  method = 'POST',
  contentType = 'application/json',
) =>
  new Request(`http://studio.test${path}`, {
    method,
    headers: {
      'content-type': contentType,
      origin: 'http://studio.test',
      host: 'studio.test',
    },
    body,
    duplex: 'half',
  } as RequestInit);

async function newDataset(name: string): Promise<string> {
  const response = await createDatasetRoute(
    studio.request('/api/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceKind: 'archive', name }),
    }),
  );
  return ((await response.json()) as { id: string }).id;
}

const uploadArchive = (datasetId: string, body: ReadableStream<Uint8Array>) =>
  uploadArchiveRoute(
    studio.request(`/api/datasets/${datasetId}/archive?filename=photos.zip`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    }),
    { params: Promise.resolve({ id: datasetId }) },
  );

/** The answer of `pending`, or 'no answer' once `ms` have passed. */
const within = <T>(pending: Promise<T>, ms: number) =>
  Promise.race([pending, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), ms))]);

describe('JSON bodies', () => {
  it.each([
    ['sign-in', '/api/auth/sign-in/email', signInRoute],
    ['accepting an invitation', '/api/invitations/accept', acceptInvitationRoute],
  ])('refuse a 64 MiB chunked body to %s (no credentials) after 1 MiB', async (_, path, route) => {
    const { body, pulled } = generatedBody(64 * MiB);
    const response = await route(anonymousRequest(path, body));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^The request body is over the 1\.0 MiB this route accepts/,
    );
    expect(pulled.bytes).toBeLessThan(2 * MiB);
  });

  it('refuse a declared length over the cap without reading the body', async () => {
    const { body, pulled } = generatedBody(64 * MiB);
    const request = anonymousRequest('/api/auth/sign-in/email', body);
    request.headers.set('content-length', String(300 * MiB));
    expect((await signInRoute(request)).status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('refuse an oversized body to a signed-in route as well', async () => {
    const { body, pulled } = generatedBody(64 * MiB);
    const response = await createRunRoute(
      studio.request('/api/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeLessThan(2 * MiB);
  });

  it('answer 408 when the body stops arriving', async () => {
    const response = await within(
      createRunRoute(
        studio.request('/api/runs', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: stalledBody(new TextEncoder().encode('{"name":')),
        }),
      ),
      10_000,
    );
    expect(response).not.toBe('no answer');
    const answered = response as Response;
    expect(answered.status).toBe(408);
    expect(((await answered.json()) as { error: string }).error).toMatch(
      /^The request body stalled: nothing arrived for 1 s after 8 bytes\./,
    );
  });
});

describe('uploads', () => {
  it('refuse a 600 MiB chunked backbone upload once past its 300 MiB cap', async () => {
    const { body, pulled } = generatedBody(600 * MiB, MiB);
    const response = await uploadBackboneRoute(
      studio.request('/api/backbones', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body,
      }),
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^The backbone's files total 30\d\.\d MiB, over the limit of 300\.0 MiB/,
    );
    expect(pulled.bytes).toBeLessThan(304 * MiB);
  });

  it('refuse an archive once past the upload cap while it streams, storing nothing', async () => {
    const datasetId = await newDataset('too large');
    const { body, pulled } = generatedBody(64 * MiB);
    const response = await uploadArchive(datasetId, body);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^The archive is over the limit of 0\.01 GiB/,
    );
    expect(pulled.bytes).toBeLessThan(MAX_ARCHIVE_BYTES + MiB);
    const db = studio.database.db;
    expect(await db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(0);
    expect((await db.dataset.findUniqueOrThrow({ where: { id: datasetId } })).status).toBe(
      'failed',
    );
  });

  it('answer 408 to an archive upload that stalls, storing nothing', async () => {
    const datasetId = await newDataset('stalled');
    const response = await within(
      uploadArchive(datasetId, stalledBody(new Uint8Array(10))),
      10_000,
    );
    expect(response).not.toBe('no answer');
    expect((response as Response).status).toBe(408);
    const db = studio.database.db;
    expect(await db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(0);
    expect(await db.importTask.count({ where: { datasetId } })).toBe(0);
  });

  it('hold no database connection while waiting on slow clients', async () => {
    // More uploads than the web process has database connections (10), one byte every 200 ms.
    const uploads = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const datasetId = await newDataset(`slow ${i}`);
        const trickle = tricklingBody(200);
        return { trickle, answer: uploadArchive(datasetId, trickle.body) };
      }),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(uploads.every((u) => u.trickle.sent.bytes > 0)).toBe(true);
    // The bodies go to temporary files unlinked once open: nothing a killed process would leave.
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('studio-upload-'))).toEqual([]);

    const listed = await within(listDatasetsRoute(studio.request('/api/datasets')), 5_000);
    expect(listed === 'no answer' ? listed : listed.status).toBe(200);
    const health = await within(healthRoute(new Request('http://studio.test/api/health')), 5_000);
    expect(health).not.toBe('no answer');
    const report = (await (health as Response).json()) as { database: { ok: boolean } };
    expect(report.database.ok).toBe(true);

    for (const upload of uploads) upload.trickle.end();
    const statuses = await Promise.all(uploads.map((u) => u.answer.then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([400]));
    expect(await studio.database.db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(
      0,
    );
  });
});

/** Every route handler file under `dir`. */
function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === 'route.ts' ? [full] : [];
  });
}

/** The most a route (its folder under app/api) may read of a body. */
function capOf(route: string): number {
  // Corrections name up to 50,000 images.
  if (/\/(versions|preview|corrections)$/.test(route)) return BODY_LIMITS.labelling;
  if (route.endsWith('/files')) return 80 * MiB;
  if (route.endsWith('/archive')) return MAX_ARCHIVE_BYTES;
  if (route === 'backbones') return MAX_BACKBONE_BYTES + 64 * 1024;
  if (route.endsWith('/predict')) return MAX_PREDICT_IMAGE_BYTES;
  return BODY_LIMITS.json;
}

type Handler = (request: Request, context: { params: Promise<unknown> }) => Promise<Response>;

describe('every route that takes a body', () => {
  it('reads no more than its cap, with credentials or without', async () => {
    const datasetId = await newDataset('every route');
    const apiDir = path.join(import.meta.dirname, '../app/api');
    const checked: string[] = [];
    for (const file of routeFiles(apiDir)) {
      const route = path.relative(apiDir, path.dirname(file));
      // Dataset routes get a real dataset, so the upload routes read their bodies.
      const id = route.startsWith('datasets/') ? datasetId : randomUUID();
      // With what each upload route needs to start reading: a file name, an image type.
      const contentType = route.endsWith('/predict') ? 'image/png' : 'application/json';
      const url = `/api/${route}?filename=every-route.zip`
        .replace('[...all]', 'sign-in/email')
        .replace('[id]', id)
        .replace('[userId]', 'someone');
      const params = Promise.resolve({ id, userId: 'someone', all: ['sign-in', 'email'] });
      const routeModule = (await import(file)) as Partial<Record<string, Handler>>;
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const handler = routeModule[method];
        if (!handler) continue;
        for (const caller of ['anonymous', 'token']) {
          const total = 64 * MiB;
          const { body, pulled } = generatedBody(total);
          const request =
            caller === 'token'
              ? studio.request(url, { method, headers: { 'content-type': contentType }, body })
              : anonymousRequest(url, body, method, contentType);
          await handler(request, { params });
          expect(pulled.bytes, `${method} ${url} (${caller})`).toBeLessThanOrEqual(
            Math.min(total, capOf(route)) + 512 * 1024,
          );
          checked.push(`${method} ${url}`);
        }
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(2 * 25);
  });
});
