import 'server-only';
import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { DatasetError } from '@studio/datasets';
import { isConnectionLoss } from '@studio/db';
import { ApiError } from './api-error';
import { BODY_LIMITS, readJsonCapped } from './request-body';

export { ApiError };

/**
 * Whether an id from a URL can be a row id (a UUID in its 8-4-4-4-12 form), checked before it
 * reaches a query: anything else would reach Postgres and fail there instead of answering 404.
 */
export const isUuid = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export function jsonError(error: unknown): NextResponse {
  if (error instanceof ApiError) {
    return NextResponse.json(
      { error: error.message, details: error.details },
      { status: error.status, headers: error.headers },
    );
  }
  // The datasets library's errors are written for people; others may carry queries or paths.
  if (error instanceof DatasetError) {
    return NextResponse.json({ error: error.message, code: error.code }, { status: 400 });
  }
  console.error(error);
  const message = error instanceof Error ? error.message : String(error);
  // ioredis reports a lost connection as a plain Error, recognisable only by its message.
  const isServiceDown =
    isConnectionLoss(error) ||
    /ECONNREFUSED|Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(message);
  return NextResponse.json(
    {
      // An ORM error's first lines name the call and its source file; the last is the cause.
      error: isServiceDown
        ? `A service the studio needs is unavailable (${message.trim().split('\n').at(-1)}). Try again shortly.`
        : 'Internal error',
    },
    { status: isServiceDown ? 503 : 500 },
  );
}

/** Reads a JSON body of at most `maxBytes` (see request-body.ts) and validates it. */
export async function parseJson<T extends z.ZodType>(
  request: Request,
  schema: T,
  maxBytes = BODY_LIMITS.json,
): Promise<z.infer<T>> {
  return parseBody(await readJsonCapped(request, maxBytes), schema);
}

/** Validates a request body already read; 400 naming every field that is wrong. */
export function parseBody<T extends z.ZodType>(body: unknown, schema: T): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ApiError(400, `Invalid request: ${problems.join('; ')}`, parsed.error.issues);
  }
  return parsed.data;
}

/** Wraps a route handler so every thrown error becomes a JSON answer with the right status. */
export function handle<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      return await fn(...args);
    } catch (error) {
      return jsonError(error);
    }
  };
}
