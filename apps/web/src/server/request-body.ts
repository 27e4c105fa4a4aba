import { ApiError } from './api-error';
import { env } from './env';

const MiB = 1024 * 1024;

/**
 * The largest JSON body each kind of route accepts. Uploads have their own caps (folder batches,
 * archives, backbones, predict images); every reader here refuses more with 413 as soon as it is
 * known, from Content-Length or while the bytes stream in, so no body is ever buffered whole.
 */
export const BODY_LIMITS = {
  /** Every JSON request: sign-in, invitations, a run's settings, notes. */
  json: 1 * MiB,
  /**
   * A dataset version or its preview, whose explicit label list holds up to 20 million
   * characters; corrections from the top losses, up to 50,000 images.
   */
  labelling: 48 * MiB,
} as const;

export interface BodyLimit {
  maxBytes: number;
  /** The 413 for a body known to hold `received` bytes (declared, or arrived so far). */
  tooLarge: (received: number) => ApiError;
}

export const formatMib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** How long a request body may send nothing before it is refused with 408. */
export function bodyIdleTimeoutMs(): number {
  return env().STUDIO_BODY_IDLE_TIMEOUT_S * 1000;
}

/**
 * The chunks of a request's body, refused with 413 once past `limit.maxBytes` (a declared
 * Content-Length first, then the bytes as they arrive) and with 408 once nothing has arrived
 * for the idle timeout. Stopping early cancels the body, so the client's bytes are not read.
 */
export async function* readBodyChunks(
  request: Request,
  limit: BodyLimit,
): AsyncGenerator<Uint8Array, void, undefined> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit.maxBytes) throw limit.tooLarge(declared);
  const reader = request.body?.getReader();
  if (!reader) return;
  const idleMs = bodyIdleTimeoutMs();
  let received = 0;
  let isDone = false;
  try {
    for (;;) {
      const read = await readWithin(reader, idleMs, () => stalled(received, idleMs));
      if (read.done) {
        isDone = true;
        return;
      }
      received += read.value.byteLength;
      if (received > limit.maxBytes) throw limit.tooLarge(received);
      yield read.value;
    }
  } finally {
    if (!isDone) reader.cancel().catch(() => undefined);
  }
}

async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
  onIdle: () => ApiError,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onIdle()), idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    // The client went away mid-body; nobody reads the answer, but it should not look like a bug.
    throw new ApiError(400, 'The request body was cut off before it ended.');
  } finally {
    clearTimeout(timer);
  }
}

function stalled(received: number, idleMs: number): ApiError {
  return new ApiError(
    408,
    `The request body stalled: nothing arrived for ${idleMs / 1000} s after ${received.toLocaleString('en')} bytes. Send it again over a steadier connection.`,
  );
}

/** A whole body in memory, for the small ones (JSON, one image). */
export async function readBodyBytes(request: Request, limit: BodyLimit): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of readBodyChunks(request, limit)) parts.push(chunk);
  return Buffer.concat(parts);
}

function jsonLimit(maxBytes: number): BodyLimit {
  return {
    maxBytes,
    tooLarge: (received) =>
      new ApiError(
        413,
        `The request body is over the ${formatMib(maxBytes)} this route accepts (${received.toLocaleString('en')} bytes or more). Send a smaller JSON body.`,
      ),
  };
}

/** Reads and parses a JSON body of at most `maxBytes`: 400 when it is not JSON. */
export async function readJsonCapped(
  request: Request,
  maxBytes: number = BODY_LIMITS.json,
): Promise<unknown> {
  const bytes = await readBodyBytes(request, jsonLimit(maxBytes));
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON.');
  }
}

/**
 * The same request with its body read (under the JSON cap) into memory, for a handler the
 * studio does not own (Better Auth), which would otherwise read a body of any size.
 */
export async function withCappedBody(
  request: Request,
  maxBytes: number = BODY_LIMITS.json,
): Promise<Request> {
  if (!request.body) return request;
  const body = await readBodyBytes(request, jsonLimit(maxBytes));
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: new Uint8Array(body),
    signal: request.signal,
  });
}
