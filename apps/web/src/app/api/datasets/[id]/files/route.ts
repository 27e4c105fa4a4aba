import { NextResponse } from 'next/server';
import { DEFAULT_LIMITS } from '@studio/datasets';
import { requireAccess } from '@/server/access';
import { readCappedFormData } from '@/server/capped-form-data';
import { getDatasetOrThrow } from '@/server/datasets';
import { ApiError, handle } from '@/server/http';
import { importUploadedBatch } from '@/server/imports';

export const dynamic = 'force-dynamic';

// The client sends batches of up to 12 MiB, or a single file up to the per-file import cap.
const MAX_BATCH_BYTES = DEFAULT_LIMITS.maxEntryBytes + 16 * 1024 * 1024;

/** One batch of a folder upload (multipart, each part named by its relative path). */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    await getDatasetOrThrow(access, id);
    const form = await readCappedFormData(request, MAX_BATCH_BYTES);
    const files = form.getAll('files').filter((f): f is File => typeof f !== 'string');
    if (files.length === 0)
      throw new ApiError(400, 'The request carried no files (form field "files").');
    return NextResponse.json(await importUploadedBatch(access, id, files));
  },
);
