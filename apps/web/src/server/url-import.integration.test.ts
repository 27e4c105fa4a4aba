import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { QUEUES } from '@studio/shared';
import { POST as createDatasetRoute } from '@/app/api/datasets/route';
import { db } from './db';
import { queue, redis } from './queue';
import { setUpStudio } from './teams';
import { createApiToken } from './tokens';

vi.mock('server-only', () => ({}));

let database: TestDatabase;
let token = '';

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.STUDIO_PREFIX = `t${randomBytes(4).toString('hex')}`;
  process.env.STUDIO_SECRET ??= randomBytes(32).toString('base64');
  delete process.env.STUDIO_IMPORT_ALLOWED_HOSTS;
  const { user, team } = await setUpStudio({
    name: 'Owner',
    email: 'owner@studio.test',
    password: 'owner-password-1',
    teamName: 'Imports',
  });
  ({ token } = await createApiToken(
    { teamId: team.id, role: 'owner', userId: user.id, tokenId: null },
    { name: 'url import test', scope: 'write' },
  ));
});

afterAll(async () => {
  await queue(QUEUES.imports)
    .obliterate({ force: true })
    .catch(() => undefined);
  await queue(QUEUES.imports).close();
  redis().disconnect();
  await db().$disconnect();
  await database?.drop();
});

const importUrl = (url: string) =>
  createDatasetRoute(
    new Request('http://studio.test/api/datasets', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceKind: 'url', name: 'remote photos', url }),
    }),
  );

describe('creating a dataset from a URL', () => {
  it('refuses internal addresses at once, with a 400 and nothing written', async () => {
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://127.0.0.1:5432/',
      'http://[::1]:3000/',
      'http://0.0.0.0/',
      'http://2130706433/',
      'http://127.1/',
      'http://[::ffff:7f00:1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/photos.zip',
      'http://localhost:3000/photos.zip',
    ]) {
      const response = await importUrl(url);
      const { error } = (await response.json()) as { error: string };
      expect([url, response.status]).toEqual([url, 400]);
      expect(error).toMatch(/is not allowed \(address not allowed\)/);
    }
    expect(await db().dataset.count()).toBe(0);
    expect(await db().importTask.count()).toBe(0);
  });

  it('accepts a public host and leaves its addresses to the worker', async () => {
    const response = await importUrl('https://photos.example/pets.tgz');
    expect(response.status).toBe(201);
    const { importId } = (await response.json()) as { importId: string };
    expect(await queue(QUEUES.imports).getJob(importId)).toBeTruthy();
  });
});
