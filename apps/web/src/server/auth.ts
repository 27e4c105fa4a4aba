import 'server-only';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { readAuthSecret } from '@studio/shared';
import { CLIENT_ADDRESS_HEADER } from './client-address';
import { db } from './db';

/** Shortest password accepted at setup and when joining a team. */
export const MIN_PASSWORD_LENGTH = 10;

function createAuth(isSecure: boolean) {
  return betterAuth({
    secret: readAuthSecret(),
    database: prismaAdapter(db(), { provider: 'postgresql' }),
    // Accounts are made at setup and from invitations (server/teams.ts), never by open sign-up.
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      // In Postgres, so every web process counts the same attempts.
      storage: 'database',
      window: 60,
      max: 200,
      // Password attempts are counted by server/sign-in-limit.ts, in front of Better Auth.
      customRules: { '/sign-in/email': false },
    },
    advanced: {
      useSecureCookies: isSecure,
      defaultCookieAttributes: { sameSite: 'lax', httpOnly: true, secure: isSecure },
      // The address the studio worked out (server/client-address.ts), never one a client sent.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
      // Better Auth would skip its Origin check under NODE_ENV=test; the studio checks always.
      disableOriginCheck: false,
      // The studio's origin is the Host the browser used (X-Forwarded-Host behind a proxy), as in
      // checkOrigin; without this Better Auth takes it from Next's URL, which says localhost.
      trustedProxyHeaders: true,
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;

// Cookies are Secure (and `__Secure-` named) exactly when the request came over https, so a
// studio on plain http on a LAN still signs in and one behind a TLS proxy never leaks cookies.
const holder = globalThis as unknown as { studioAuth?: Map<boolean, Auth> };

export function auth(isSecure = false): Auth {
  holder.studioAuth ??= new Map();
  let instance = holder.studioAuth.get(isSecure);
  if (!instance) {
    instance = createAuth(isSecure);
    holder.studioAuth.set(isSecure, instance);
  }
  return instance;
}

/** Whether a request reached the studio over https (directly or through a proxy that says so). */
export function isHttps(headers: Headers, url?: string): boolean {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  if (forwarded) return forwarded === 'https';
  return url ? new URL(url).protocol === 'https:' : false;
}

export function authFor(request: Request): Auth {
  return auth(isHttps(request.headers, request.url));
}
