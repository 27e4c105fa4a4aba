import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { getDatasetOrThrow } from '@/server/datasets';
import { ApiError, handle } from '@/server/http';
import { importUploadedBatch } from '@/server/imports';

export const dynamic = 'force-dynamic';

/** One batch of a folder upload (multipart, each part named by its relative path). */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    await getDatasetOrThrow(access, id);
    const form = await request.formData().catch(() => {
      throw new ApiError(400, 'Expected a multipart form with the files to import.');
    });
    const files = form.getAll('files').filter((f): f is File => typeof f !== 'string');
    if (files.length === 0)
      throw new ApiError(400, 'The request carried no files (form field "files").');
    return NextResponse.json(await importUploadedBatch(access, id, files));
  },
);
