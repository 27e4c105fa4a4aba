import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type Studio } from './harness';

/**
 * The sign-in limits README promises (5 attempts a minute per account, 20 per address), against a
 * built studio. Each scenario connects from its own loopback address (all of 127.0.0.0/8 reaches
 * the studio on Linux), which is what the studio counts unless the address is a trusted proxy.
 */

const PER_ACCOUNT = 5;
const PER_ADDRESS = 20;
const PROXY = '127.0.0.9';

let studio: Studio;
const guessed = { email: 'guessed@studio.test', password: 'guessed-password-1' };

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
  cookies: string[];
}

/** A sign-in POST sent from `from` (a local address), as JSON or as a form. */
function signInFrom(
  from: string,
  fields: { email: string; password: string },
  options: { isForm?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = options.isForm ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
  const url = new URL('/api/auth/sign-in/email', studio.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          Origin: studio.url,
          'Content-Type': options.isForm ? 'application/x-www-form-urlencoded' : 'application/json',
          'Content-Length': Buffer.byteLength(body),
          ...options.headers,
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            retryAfter: response.headers['retry-after'],
            body: text,
            cookies: response.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function expectRetryAfter(answer: Answer) {
  expect(answer.status).toBe(429);
  expect(answer.retryAfter).toMatch(/^\d+$/);
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
}

beforeAll(async () => {
  studio = await startStudio({ withWorker: false, env: { STUDIO_TRUSTED_PROXY: PROXY } });
  const created = await studio.api('/api/invitations', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: guessed.email, role: 'member' }),
  });
  const { code } = (await created.json()) as { code: string };
  const joined = await fetch(`${studio.url}/api/invitations/accept`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: studio.url },
    body: JSON.stringify({ code, name: 'Gus Guessed', password: guessed.password }),
  });
  expect(joined.status).toBe(200);
}, 300_000);

afterAll(async () => {
  await studio?.close();
});

describe('sign-in limits', () => {
  it('counts the guesses at one account whatever the body is encoded as', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const answer = await signInFrom(
        '127.0.0.2',
        { email: guessed.email, password: `guess-${i}` },
        { isForm: true, headers: { 'X-Forwarded-For': `10.1.0.${i}` } },
      );
      statuses.push(answer.status);
    }
    expect(statuses).toEqual(Array(PER_ACCOUNT).fill(401));
    const over = await signInFrom(
      '127.0.0.2',
      { email: guessed.email, password: 'guess-x' },
      { isForm: true },
    );
    expectRetryAfter(over);
    expect(JSON.parse(over.body)).toEqual({
      error: expect.stringMatching(
        /Too many sign-in attempts for this account\. Try again in \d+ s\./,
      ),
    });
    // The right password waits too, in either encoding and from any address.
    const right = await signInFrom('127.0.0.2', guessed, { isForm: true });
    expectRetryAfter(right);
    expect(right.cookies.join()).not.toContain('session_token');
    expectRetryAfter(await signInFrom('127.0.0.5', guessed));
  });

  it('counts guesses per connection, whatever X-Forwarded-For says, and spares other addresses', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) {
      const answer = await signInFrom(
        '127.0.0.3',
        { email: `nobody-${i}@studio.test`, password: 'wrong-password' },
        { headers: { 'X-Forwarded-For': `10.2.0.${i}` } },
      );
      expect(answer.status, `attempt ${i + 1}`).toBe(401);
    }
    const over = await signInFrom(
      '127.0.0.3',
      { email: 'nobody-else@studio.test', password: 'wrong-password' },
      { headers: { 'X-Forwarded-For': '10.2.1.1' } },
    );
    expectRetryAfter(over);
    expect(JSON.parse(over.body).error).toMatch(/from this address/);
    // Someone else, on another address, is not locked out by it.
    const owner = await signInFrom('127.0.0.4', studio.owner);
    expect(owner.status).toBe(200);
    expect(owner.cookies.join()).toContain('session_token');
  });

  it('counts the address a trusted proxy names, and only the one it appended', async () => {
    const viaProxy = (client: string, i: number) =>
      signInFrom(
        PROXY,
        { email: `proxied-${i}@studio.test`, password: 'wrong-password' },
        { headers: { 'X-Forwarded-For': client } },
      );
    for (let i = 0; i < PER_ADDRESS; i++)
      expect((await viaProxy('198.51.100.7', i)).status, `attempt ${i + 1}`).toBe(401);
    expectRetryAfter(await viaProxy('198.51.100.7', 99));
    // A client that writes its own X-Forwarded-For before the proxy appends the real address.
    expectRetryAfter(await viaProxy('203.0.113.50, 198.51.100.7', 100));
    // Another client behind the same proxy still gets its answer.
    expect((await viaProxy('198.51.100.8', 101)).status).toBe(401);
  });

  it("refuses a sign-in posted from another site, and takes one from the studio's own page under any host name", async () => {
    const forged = await signInFrom('127.0.0.7', studio.owner, {
      headers: { Origin: 'http://evil.example' },
    });
    expect(forged.status).toBe(403);
    expect(forged.cookies.join()).not.toContain('session_token');
    const port = new URL(studio.url).port;
    const named = await signInFrom('127.0.0.7', studio.owner, {
      headers: { Host: `studio.example:${port}`, Origin: `http://studio.example:${port}` },
    });
    expect(named.status).toBe(200);
  });

  it('answers an unknown e-mail exactly as a wrong password', async () => {
    const unknown = await signInFrom('127.0.0.6', {
      email: 'never-invited@studio.test',
      password: 'some-password-1',
    });
    const wrong = await signInFrom('127.0.0.6', {
      email: studio.owner.email,
      password: 'some-password-1',
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toBe(wrong.body);
  });
});
