import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POST as createDatasetRoute } from '@/app/api/datasets/route';
import { signIn } from './teams';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let studio: RouteFixture;

beforeAll(async () => {
  studio = await createRouteFixture();
});

afterAll(async () => {
  await studio?.close();
});

/** Creates a dataset from a browser with a session cookie, served at http://studio.test. */
async function createFrom(origin: string, headers: Record<string, string> = {}) {
  const response = await createDatasetRoute(
    await studio.browserRequest('/api/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, ...headers },
      body: JSON.stringify({ sourceKind: 'folder', name: `from ${origin}` }),
    }),
  );
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

describe('the Origin check of cookie-authenticated changes', () => {
  it('accepts the studio’s own origin', async () => {
    expect((await createFrom('http://studio.test')).status).toBe(201);
  });

  it.each([
    ['another scheme', 'https://studio.test'],
    ['another port', 'http://studio.test:8080'],
    ['another host', 'http://evil.test'],
    ['an opaque origin', 'null'],
  ])('refuses %s (%s) with 403, naming both origins', async (_, origin) => {
    const { status, body } = await createFrom(origin);
    expect(status).toBe(403);
    expect(body.error).toBe(
      `This request came from another site (Origin ${origin}, studio http://studio.test); the studio only accepts changes from its own pages or with an API token.`,
    );
  });

  it('takes the scheme a proxy names (X-Forwarded-Proto) as the studio’s', async () => {
    // Over https the session cookie is the __Secure- one.
    const cookies = await signIn(
      new Request('https://studio.test/api/auth/sign-in/email'),
      'owner@studio.test',
      'owner-password-1',
    );
    const proxied = {
      'x-forwarded-proto': 'https',
      cookie: cookies.map((c) => c.split(';')[0]!).join('; '),
    };
    expect((await createFrom('https://studio.test', proxied)).status).toBe(201);
    expect((await createFrom('http://studio.test', proxied)).status).toBe(403);
  });
});
