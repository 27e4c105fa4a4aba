import 'server-only';
import { randomUUID } from 'node:crypto';
import { addressBucket } from './client-address';
import { db } from './db';
import { ApiError } from './http';

/**
 * Password attempts allowed a minute, per account and per address (higher, so people sharing one
 * address, a classroom behind NAT, do not lock each other out by a few typos).
 */
export const SIGN_IN_LIMITS = {
  account: { window: 60, max: 5 },
  address: { window: 60, max: 20 },
} as const;

/** Adds one to `key`'s count in its window; in Postgres, so every web process counts the same. */
async function countAttempt(key: string, windowSeconds: number, now: number) {
  const windowMs = windowSeconds * 1000;
  const [row] = await db().$queryRaw<{ count: number; lastRequest: bigint }[]>`
    INSERT INTO "RateLimit" (id, key, count, "lastRequest")
    VALUES (${randomUUID()}, ${key}, 1, ${BigInt(now)})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN ${BigInt(now)} - "RateLimit"."lastRequest" >= ${BigInt(windowMs)}
                   THEN 1 ELSE "RateLimit".count + 1 END,
      "lastRequest" = CASE WHEN ${BigInt(now)} - "RateLimit"."lastRequest" >= ${BigInt(windowMs)}
                   THEN ${BigInt(now)} ELSE "RateLimit"."lastRequest" END
    RETURNING count, "lastRequest"`;
  const secondsLeft = Math.max(1, Math.ceil((Number(row!.lastRequest) + windowMs - now) / 1000));
  return { count: row!.count, secondsLeft };
}

async function forgiveAttempt(key: string) {
  await db().$executeRaw`UPDATE "RateLimit" SET count = GREATEST(count - 1, 0) WHERE key = ${key}`;
}

const tooMany = (what: string, seconds: number) =>
  new ApiError(429, `Too many sign-in attempts ${what}. Try again in ${seconds} s.`, undefined, {
    'Retry-After': String(seconds),
  });

/**
 * Counts one password attempt for the account and for the address it comes from, before the
 * password is checked: 429 with Retry-After once either has had its share of the minute. The
 * answer gives the attempt back; call it when the password was right, so that only failures use
 * the allowance up. Without a known address (see clientAddress) it refuses rather than letting
 * every such request share one count.
 */
export async function countSignInAttempt(
  email: string,
  address: string | null,
): Promise<() => Promise<void>> {
  if (!address)
    throw new ApiError(
      503,
      'The studio cannot tell which address this sign-in comes from, so it cannot limit guesses. Try again in a moment; if this persists, start the web app with `next start` (npm run studio).',
    );
  const keys = {
    account: `sign-in|account|${email.trim().toLowerCase()}`,
    address: `sign-in|address|${addressBucket(address)}`,
  };
  const now = Date.now();
  const [account, fromAddress] = await Promise.all([
    countAttempt(keys.account, SIGN_IN_LIMITS.account.window, now),
    countAttempt(keys.address, SIGN_IN_LIMITS.address.window, now),
  ]);
  if (account.count > SIGN_IN_LIMITS.account.max)
    throw tooMany('for this account', account.secondsLeft);
  if (fromAddress.count > SIGN_IN_LIMITS.address.max)
    throw tooMany('from this address', fromAddress.secondsLeft);
  return async () => {
    await Promise.all([forgiveAttempt(keys.account), forgiveAttempt(keys.address)]);
  };
}
