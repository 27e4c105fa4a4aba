import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { getDatasetOrThrow } from '@/server/datasets';
import { blobs, db } from '@/server/db';
import { env } from '@/server/env';
import { ApiError, handle } from '@/server/http';
import { enqueueImport } from '@/server/imports';
import { requireQueue } from '@/server/queue';

export const dynamic = 'force-dynamic';

/** An archive upload: the raw body is streamed into blob storage, then the worker imports it. */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    await getDatasetOrThrow(access, id);
    const maxBytes = env().STUDIO_MAX_UPLOAD_BYTES;
    const fileName = new URL(request.url).searchParams.get('filename') ?? 'upload';
    if (!/\.(zip|tar|tgz|tar\.gz)$/i.test(fileName)) {
      throw new ApiError(
        400,
        `"${fileName}" is not a zip, tar or tar.gz archive. Upload a folder or photos directly instead.`,
      );
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      throw new ApiError(
        413,
        `The archive is ${(declared / 1024 ** 3).toFixed(2)} GiB; the limit is ${(maxBytes / 1024 ** 3).toFixed(2)} GiB. Split it into smaller archives.`,
      );
    }
    if (!request.body) throw new ApiError(400, 'The request had no body.');
    // Before reading a body that may be gigabytes: without the queue it could not be imported.
    await requireQueue('The archive was not uploaded.');
    const key = `upload:${randomUUID()}`;
    const body = Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
    try {
      await blobs().putStream(key, body, 'application/octet-stream', maxBytes);
    } catch (error) {
      if ((error as { code?: string }).code === 'too_large') {
        await db().dataset.update({
          where: { id },
          data: { status: 'failed', error: (error as Error).message },
        });
        throw new ApiError(413, (error as Error).message);
      }
      throw error;
    }
    const task = await enqueueImport(access, {
      datasetId: id,
      kind: 'archive',
      source: key,
      fileName,
    }).catch(async (error: unknown) => {
      await blobs().delete(key); // no import task names it: it would never be removed
      throw error;
    });
    return NextResponse.json({ id, importId: task.id }, { status: 202 });
  },
);
