import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { DatasetError } from '@studio/datasets';
import { jsonError } from './http';

vi.mock('server-only', () => ({}));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

/** What a caller would read: status and body of the error answer. */
async function answer(error: unknown) {
  const response = jsonError(error);
  return { status: response.status, body: (await response.json()) as { error: string } };
}

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

// Database errors carry a code, like the errors written for people, but their message names the
// call, the source file and the query.
const LEAKS = /\/|\\|invocation|prisma|\bP\d{4}\b|SELECT|\.ts\b/i;

describe('error answers', () => {
  it('pass a message written for people through', async () => {
    const error = new DatasetError('REGEX_INVALID', 'The pattern has no capture group.');
    expect(await answer(error)).toEqual({
      status: 400,
      body: { error: 'The pattern has no capture group.', code: 'REGEX_INVALID' },
    });
  });

  it('never show a database error, only that something failed', async () => {
    const error = await caught(t.db.$executeRawUnsafe('SELECT * FROM "NoSuchTable"'));
    expect(error).not.toBeNull();
    const { status, body } = await answer(error);
    expect(status).toBe(500);
    expect(body.error).not.toMatch(LEAKS);
  });

  it('say a database that cannot be reached is unavailable, without the call or its file', async () => {
    const unreachable = createDb('postgresql://postgres@127.0.0.1:1/nothing');
    const error = await caught(unreachable.dataset.count());
    await unreachable.$disconnect();
    const { status, body } = await answer(error);
    expect(status).toBe(503);
    expect(body.error).toMatch(
      /^A service the studio needs is unavailable \(.*\)\. Try again shortly\.$/,
    );
    expect(body.error).not.toMatch(LEAKS);
  });
});
