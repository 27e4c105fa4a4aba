import { ApiError } from './api-error';
import { formatMib, readBodyChunks, type BodyLimit } from './request-body';

/**
 * Parses a multipart body, refusing it with 413 as soon as more than `maxBytes` have arrived
 * (and with 408 when it stalls). `request.formData()` alone buffers a body of any size, so a
 * single request could fill the server's memory.
 */
export async function readCappedFormData(
  request: Request,
  maxBytes: number,
  tooLarge: BodyLimit['tooLarge'] = (received) => batchTooLarge(received, maxBytes),
): Promise<FormData> {
  let failure: unknown;
  const chunks = readBodyChunks(request, { maxBytes, tooLarge });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        failure = error;
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const contentType = request.headers.get('content-type') ?? '';
  try {
    return await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw failure instanceof ApiError ? failure : notMultipart();
  }
}

function batchTooLarge(received: number, maxBytes: number): ApiError {
  return new ApiError(
    413,
    `The upload batch is over ${(maxBytes / 1024 ** 2).toFixed(0)} MiB (${formatMib(received)} received). ` +
      'Send fewer or smaller files per request; the studio uploads folders in batches of 12 MiB.',
  );
}

function notMultipart(): ApiError {
  return new ApiError(400, 'Expected a multipart form with the files to import.');
}
