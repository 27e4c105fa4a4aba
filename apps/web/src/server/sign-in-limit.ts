import 'server-only';
import { randomUUID } from 'node:crypto';
import { SIGN_IN_LIMIT } from './auth';
import { db } from './db';

/**
 * Counts sign-in attempts per account (Better Auth's own limiter counts them per address, which
 * a client can vary through X-Forwarded-For when no proxy sets it). Answers the seconds to wait
 * once the account has had SIGN_IN_LIMIT.max attempts in the window, else null.
 */
export async function consumeSignInAttempt(
  email: string,
  now = Date.now(),
): Promise<number | null> {
  const windowMs = SIGN_IN_LIMIT.window * 1000;
  const key = `account|${email.trim().toLowerCase()}|/sign-in/email`;
  const [row] = await db().$queryRaw<{ count: number; lastRequest: bigint }[]>`
    INSERT INTO "RateLimit" (id, key, count, "lastRequest")
    VALUES (${randomUUID()}, ${key}, 1, ${BigInt(now)})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN ${BigInt(now)} - "RateLimit"."lastRequest" >= ${BigInt(windowMs)}
                   THEN 1 ELSE "RateLimit".count + 1 END,
      "lastRequest" = CASE WHEN ${BigInt(now)} - "RateLimit"."lastRequest" >= ${BigInt(windowMs)}
                   THEN ${BigInt(now)} ELSE "RateLimit"."lastRequest" END
    RETURNING count, "lastRequest"`;
  if (!row || row.count <= SIGN_IN_LIMIT.max) return null;
  return Math.max(1, Math.ceil((Number(row.lastRequest) + windowMs - now) / 1000));
}
