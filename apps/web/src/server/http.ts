import 'server-only';
import { NextResponse } from 'next/server';
import type { z } from 'zod';

/** An error whose message is meant for the person using the studio. */
/** Whether an id from a URL can be a row id (a UUID), checked before it reaches a query. */
export const isUuid = (id: string) => /^[0-9a-f-]{36}$/i.test(id);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, such as Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function jsonError(error: unknown): NextResponse {
  if (error instanceof ApiError) {
    return NextResponse.json(
      { error: error.message, details: error.details },
      { status: error.status, headers: error.headers },
    );
  }
  const candidate = error as { code?: string; message?: string };
  // Errors of the datasets library carry a code and a message written for people.
  if (
    candidate &&
    typeof candidate.code === 'string' &&
    typeof candidate.message === 'string' &&
    candidate.code !== 'ECONNREFUSED'
  ) {
    return NextResponse.json({ error: candidate.message, code: candidate.code }, { status: 400 });
  }
  console.error(error);
  const message = error instanceof Error ? error.message : String(error);
  const isServiceDown =
    /ECONNREFUSED|Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(message);
  return NextResponse.json(
    {
      error: isServiceDown
        ? `A service the studio needs is unavailable (${message}). Try again shortly.`
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
  return parseBody(body, schema);
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
