import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { db } from '@/server/db';
import { setUpStudio, signIn } from '@/server/teams';
import { createApiToken } from '@/server/tokens';

/** A throwaway studio for calling route handlers: its own database, Redis prefix and owner. */
export interface RouteFixture {
  database: TestDatabase;
  teamId: string;
  userId: string;
  /** A read-and-write API token of the team. */
  token: string;
  /** A request to `http://studio.test<path>` carrying the token. */
  request(path: string, init?: RequestInit): Request;
  /** The owner's session cookie (`name=value; …`), signed in on first use. */
  sessionCookie(): Promise<string>;
  /** A request from the studio's own page (Origin and Host) with the owner's session cookie. */
  browserRequest(path: string, init?: RequestInit): Promise<Request>;
  close(): Promise<void>;
}

/**
 * Points the server modules at a new database (and `env`'s other variables: a Redis URL, a
 * body idle timeout…) and makes the owner of its first team. Call it before any server module
 * reads the environment.
 */
export async function createRouteFixture(env: Record<string, string> = {}): Promise<RouteFixture> {
  const database = await createTestDatabase();
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    STUDIO_PREFIX: `t${randomBytes(4).toString('hex')}`,
    STUDIO_SECRET: process.env.STUDIO_SECRET ?? randomBytes(32).toString('base64'),
    ...env,
  });
  const { user, team } = await setUpStudio({
    name: 'Owner',
    email: 'owner@studio.test',
    password: 'owner-password-1',
    teamName: 'Fixture',
  });
  const { token } = await createApiToken(
    { teamId: team.id, role: 'owner', userId: user.id, tokenId: null },
    { name: 'route tests', scope: 'write' },
  );
  const withBody = (init: RequestInit) =>
    ({
      ...init,
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    }) as RequestInit;
  let cookie: Promise<string> | undefined;
  const sessionCookie = () =>
    (cookie ??= signIn(
      new Request('http://studio.test/api/auth/sign-in/email'),
      'owner@studio.test',
      'owner-password-1',
    ).then((cookies) => cookies.map((c) => c.split(';')[0]!).join('; ')));
  return {
    database,
    teamId: team.id,
    userId: user.id,
    token,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return new Request(`http://studio.test${path}`, withBody({ ...init, headers }));
    },
    sessionCookie,
    async browserRequest(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('cookie')) headers.set('cookie', await sessionCookie());
      headers.set('host', 'studio.test');
      if (!headers.has('origin')) headers.set('origin', 'http://studio.test');
      return new Request(`http://studio.test${path}`, withBody({ ...init, headers }));
    },
    async close() {
      await db().$disconnect();
      await database.drop();
    },
  };
}

/** A request body of `total` bytes made as it is read, counting what the reader pulled. */
export function generatedBody(total: number, chunkBytes = 256 * 1024) {
  const pulled = { bytes: 0 };
  const chunk = new Uint8Array(chunkBytes).fill(0x61);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= total) return controller.close();
      pulled.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled };
}

/**
 * A body that sends one byte every `everyMs` and never ends; `end()` breaks it off, as a client
 * that goes away does.
 */
export function tricklingBody(everyMs: number) {
  const sent = { bytes: 0 };
  let stop: (error: Error) => void = () => undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const timer = setInterval(() => {
        sent.bytes += 1;
        controller.enqueue(new Uint8Array([0x50]));
      }, everyMs);
      stop = (error) => {
        clearInterval(timer);
        try {
          controller.error(error);
        } catch {
          // already cancelled by the reader
        }
      };
    },
    cancel() {
      stop(new Error('cancelled'));
    },
  });
  return { body, sent, end: () => stop(new Error('the client went away')) };
}

/** A body that sends `bytes` at once, then nothing, never ending. */
export function stalledBody(bytes: Uint8Array) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
    },
  });
}
