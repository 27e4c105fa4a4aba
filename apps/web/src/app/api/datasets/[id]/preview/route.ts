import { NextResponse } from 'next/server';
import { versionRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { BODY_LIMITS } from '@/server/request-body';
import { previewLabelling } from '@/server/labelling';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    // A preview computes labels and changes nothing, but only those who can save a version need it.
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    return NextResponse.json(
      await previewLabelling(
        access,
        id,
        await parseJson(request, versionRequest, BODY_LIMITS.labelling),
      ),
    );
  },
);
