import { ApiError } from './http';

const MiB = 1024 * 1024;

/**
 * Parses a multipart body, refusing it with 413 as soon as more than `maxBytes` have arrived.
 * `request.formData()` alone buffers a body of any size, so a single request could fill the
 * server's memory; the declared length is checked first, then the bytes as they stream in.
 */
export async function readCappedFormData(request: Request, maxBytes: number): Promise<FormData> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (!request.body) throw notMultipart();
  let received = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > maxBytes) controller.error(tooLarge(received, maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  const contentType = request.headers.get('content-type') ?? '';
  try {
    return await new Response(counted, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw received > maxBytes ? tooLarge(received, maxBytes) : notMultipart();
  }
}

function tooLarge(received: number, maxBytes: number): ApiError {
  return new ApiError(
    413,
    `The upload batch is over ${(maxBytes / MiB).toFixed(0)} MiB (${(received / MiB).toFixed(1)} MiB received). ` +
      'Send fewer or smaller files per request; the studio uploads folders in batches of 12 MiB.',
  );
}

function notMultipart(): ApiError {
  return new ApiError(400, 'Expected a multipart form with the files to import.');
}
