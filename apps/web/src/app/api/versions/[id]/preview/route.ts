import { NextResponse } from 'next/server';
import { previewRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { previewVersion } from '@/server/preview';

export const dynamic = 'force-dynamic';

/**
 * Images of the dataset version as a run would see them. Body: { kind: 'batch', config, rows,
 * batch, split } (fastai's show_batch) or { kind: 'augment', config, n } (one photo under n
 * augmentation draws). Answers { images: [{ fileId, label, png (base64) }], ms }.
 */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    // Looking changes nothing, so viewers and read tokens may use it.
    const access = await requireAccess(request, 'read');
    const { id } = await params;
    const body = await parseJson(request, previewRequest);
    return NextResponse.json(await previewVersion(access, id, body, request.signal));
  },
);
