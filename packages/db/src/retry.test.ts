import { describe, expect, it } from 'vitest';
import { isConnectionLoss, retryOnConnectionLoss } from './retry';

const lost = () =>
  Object.assign(
    new Error(
      "\nInvalid `db.stage.update()` invocation:\n\nCan't reach database server at 127.0.0.1:5432",
    ),
    {
      code: 'P1001',
    },
  );

describe('isConnectionLoss', () => {
  it.each([
    ['Prisma P1001', lost()],
    [
      'a server shut down',
      new Error(
        'Database error. Code: `57P01`. Message: `terminating connection due to administrator command`',
      ),
    ],
    ['a server starting', new Error('the database system is starting up')],
    ['node-postgres', new Error('Connection terminated unexpectedly')],
    [
      'a wrapped refusal',
      new Error('query failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') }),
    ],
  ])('recognises %s', (_, error) => expect(isConnectionLoss(error)).toBe(true));

  it.each([
    ['a unique violation', Object.assign(new Error('Unique constraint failed'), { code: 'P2002' })],
    ['a missing row', Object.assign(new Error('Record to update not found.'), { code: 'P2025' })],
    ['not an error', 'P1001'],
  ])('leaves %s alone', (_, error) => expect(isConnectionLoss(error)).toBe(false));
});

describe('retryOnConnectionLoss', () => {
  it('runs the write again until the database answers, and logs the outage once each way', async () => {
    let calls = 0;
    const log: string[] = [];
    const result = await retryOnConnectionLoss(
      async () => {
        calls += 1;
        if (calls < 4) throw lost();
        return 'written';
      },
      { firstDelayMs: 1, log: (m) => log.push(m), what: 'recording epoch 3' },
    );
    expect([result, calls]).toEqual(['written', 4]);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(
      /^database unreachable while recording epoch 3 \(Can't reach database server at 127\.0\.0\.1:5432\); retrying for up to 120 s$/,
    );
    expect(log[1]).toMatch(/^database back after [\d.]+ s; recording epoch 3 went through$/);
  });

  it('throws other errors at once, and a connection loss that outlasts the timeout', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
    await expect(
      retryOnConnectionLoss(async () => {
        calls += 1;
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    let attempts = 0;
    await expect(
      retryOnConnectionLoss(
        async () => {
          attempts += 1;
          return Promise.reject(lost());
        },
        { timeoutMs: 200, firstDelayMs: 20 },
      ),
    ).rejects.toThrow(/Can't reach database server/);
    expect(attempts).toBeGreaterThan(1);
  });
});
