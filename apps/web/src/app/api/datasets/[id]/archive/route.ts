import { randomUUID } from 'node:crypto';
import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { getDatasetOrThrow } from '@/server/datasets';
import { blobs, db } from '@/server/db';
import { env } from '@/server/env';
import { ApiError, handle } from '@/server/http';
import { checkArchiveHead, DatasetError } from '@studio/datasets';
import { discardEmptyDataset, enqueueImport } from '@/server/imports';
import { requireQueue } from '@/server/queue';
import { spoolBody } from '@/server/spool-body';

export const dynamic = 'force-dynamic';

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function archiveTooLarge(received: number, maxBytes: number): ApiError {
  return new ApiError(
    413,
    `The archive is over the limit of ${gib(maxBytes)} (${gib(received)} received). Split it into smaller archives.`,
  );
}

/**
 * An archive upload: the raw body goes to a temporary file first, then into blob storage, and
 * the worker imports it. A slow client thus never holds a database connection.
 */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const maxBytes = env().STUDIO_MAX_UPLOAD_BYTES;
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBytes) throw archiveTooLarge(declared, maxBytes);
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    await getDatasetOrThrow(access, id);
    const fileName = new URL(request.url).searchParams.get('filename') ?? 'upload';
    if (!/\.(zip|tar|tgz|tar\.gz)$/i.test(fileName)) {
      throw new ApiError(
        400,
        `"${fileName}" is not a zip, tar or tar.gz archive. Upload a folder or photos directly instead.`,
      );
    }
    if (!request.body) throw new ApiError(400, 'The request had no body.');
    // Before reading a body that may be gigabytes: without the queue it could not be imported.
    await requireQueue('The archive was not uploaded.');
    const spooled = await spoolBody(request, {
      maxBytes,
      tooLarge: (received) => archiveTooLarge(received, maxBytes),
    }).catch(async (error: unknown) => {
      if (error instanceof ApiError && error.status === 413) {
        await db().dataset.update({
          where: { id },
          data: { status: 'failed', error: error.message },
        });
      }
      throw error;
    });
    // Refused before it is stored or queued; a dataset made for it alone is not kept.
    try {
      checkArchiveHead(await spooled.head(512));
    } catch (error) {
      await spooled.close();
      if (!(error instanceof DatasetError)) throw error;
      await discardEmptyDataset(access, id, 'the upload was not an archive');
      throw new ApiError(400, `"${fileName}": ${error.message}`);
    }
    const key = `upload:${randomUUID()}`;
    try {
      await blobs().putStream(key, spooled.read(), 'application/octet-stream', maxBytes);
    } finally {
      await spooled.close();
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
