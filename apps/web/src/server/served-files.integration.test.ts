import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { imageBlobKey, PostgresBlobStore, thumbnailBlobKey } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { GET } from '@/app/api/files/[id]/route';
import { randomBytes } from 'node:crypto';
import { db } from './db';
import { setUpStudio } from './teams';
import { createApiToken } from './tokens';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let database: TestDatabase;
let fileId = '';
/** A read token of the team that owns the file: what a script (or a teammate's browser) sends. */
let token = '';
// A stored "image" whose bytes are an HTML page: what a polyglot or a sniffing bug would serve.
const html = new TextEncoder().encode('<html><script>alert(document.cookie)</script></html>');
const sha256 = 'ab'.repeat(32);

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.STUDIO_SECRET ??= randomBytes(32).toString('base64');
  const dataset = await database.db.dataset.create({
    data: { name: 'served files', sourceKind: 'folder', status: 'ready' },
  });
  const blobs = new PostgresBlobStore(database.db);
  await blobs.put(imageBlobKey(sha256), html, 'text/html');
  await blobs.put(thumbnailBlobKey(sha256), html, 'text/html');
  const file = await database.db.datasetFile.create({
    data: {
      datasetId: dataset.id,
      path: 'cats/page.png',
      blobKey: imageBlobKey(sha256),
      sha256,
      width: 8,
      height: 8,
      format: 'png',
      bytes: html.length,
    },
  });
  fileId = file.id;
  // The first team adopts the dataset made before it.
  const { user, team } = await setUpStudio({
    name: 'Owner',
    email: 'owner@studio.test',
    password: 'owner-password-1',
    teamName: 'Files',
  });
  ({ token } = await createApiToken(
    { teamId: team.id, role: 'owner', userId: user.id, tokenId: null },
    { name: 'files test', scope: 'read' },
  ));
});

const authorised = (url: string) =>
  new Request(url, { headers: { authorization: `Bearer ${token}` } });

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

const get = (query = '') =>
  GET(authorised(`http://studio.test/api/files/${fileId}${query}`), {
    params: Promise.resolve({ id: fileId }),
  });

describe('GET /api/files/[id]', () => {
  it.each([
    ['the image', '', 'image/png'],
    ['its thumbnail', '?size=thumb', 'image/webp'],
  ])(
    'serves %s with the verified type, never sniffed, and a CSP that blocks script',
    async (_, query, type) => {
      const response = await get(query);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(csp).toMatch(/(^|; )sandbox(;|$)/);
      expect(csp).not.toMatch(/script-src|'unsafe-eval'/);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(html);
    },
  );

  it('answers 404 for an id that is not a file', async () => {
    const response = await GET(authorised('http://studio.test/api/files/../../etc'), {
      params: Promise.resolve({ id: '../../etc' }),
    });
    expect(response.status).toBe(404);
  });
});
