import 'server-only';
import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { isConnectionLoss } from '@studio/db';

/** An error whose message is meant for the person using the studio. */
/** Whether an id from a URL can be a row id (a UUID), checked before it reaches a query. */
export const isUuid = (id: string) => /^[0-9a-f-]{36}$/i.test(id);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function jsonError(error: unknown): NextResponse {
  if (error instanceof ApiError) {
    return NextResponse.json(
      { error: error.message, details: error.details },
      { status: error.status },
    );
  }
  const candidate = error as { code?: string; message?: string; name?: string };
  // Errors of the datasets library carry a code and a message written for people. Database and
  // system errors carry codes too (P2010, ENOENT), with queries and file paths in the message.
  if (
    candidate &&
    typeof candidate.code === 'string' &&
    typeof candidate.message === 'string' &&
    !/^(P\d{4}|E[A-Z]+)$/.test(candidate.code) &&
    !candidate.name?.startsWith('Prisma')
  ) {
    return NextResponse.json({ error: candidate.message, code: candidate.code }, { status: 400 });
  }
  console.error(error);
  const message = error instanceof Error ? error.message : String(error);
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

export async function parseJson<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON.');
  }
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
