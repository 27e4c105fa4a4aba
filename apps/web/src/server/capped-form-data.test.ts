import { describe, expect, it, vi } from 'vitest';
import { readCappedFormData } from './capped-form-data';
import { ApiError } from './http';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

const MiB = 1024 * 1024;

function multipart(files: Record<string, string>): Promise<Request> {
  const form = new FormData();
  for (const [name, text] of Object.entries(files)) form.append('files', new Blob([text]), name);
  const encoded = new Response(form);
  return encoded.arrayBuffer().then(
    (body) =>
      new Request('http://studio.test/upload', {
        method: 'POST',
        body,
        headers: { 'content-type': encoded.headers.get('content-type')! },
      }),
  );
}

/** A body that never ends, counting what the server pulls from it. */
function endlessRequest(pulled: { bytes: number }, headers: Record<string, string> = {}): Request {
  const chunk = new Uint8Array(256 * 1024).fill(0x61);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return new Request('http://studio.test/upload', {
    method: 'POST',
    body,
    headers: { 'content-type': 'multipart/form-data; boundary=x', ...headers },
    duplex: 'half',
  } as RequestInit);
}

async function errorOf(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('readCappedFormData', () => {
  it('parses a multipart body under the cap', async () => {
    const form = await readCappedFormData(await multipart({ 'a.jpg': 'x', 'b.jpg': 'yy' }), MiB);
    expect(form.getAll('files').map((f) => (f as File).name)).toEqual(['a.jpg', 'b.jpg']);
  });

  it('refuses a declared length over the cap without reading the body', async () => {
    const pulled = { bytes: 0 };
    const error = await errorOf(
      readCappedFormData(
        endlessRequest(pulled, { 'content-length': String(10 * 1024 * MiB) }),
        MiB,
      ),
    );
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/^The upload batch is over 1 MiB \(10240\.0 MiB received\)/);
    expect(pulled.bytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('stops an endless body without a length soon after the cap, never buffering it all', async () => {
    const pulled = { bytes: 0 };
    const error = await errorOf(readCappedFormData(endlessRequest(pulled), 4 * MiB));
    expect(error.status).toBe(413);
    expect(pulled.bytes).toBeLessThan(8 * MiB);
  });

  it('answers 400 for a body that is not multipart', async () => {
    const request = new Request('http://studio.test/upload', { method: 'POST', body: 'hello' });
    expect((await errorOf(readCappedFormData(request, MiB))).status).toBe(400);
  });
});
