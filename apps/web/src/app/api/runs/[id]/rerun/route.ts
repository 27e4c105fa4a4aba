import { NextResponse } from 'next/server';
import { rerunRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { rerunOnVersion } from '@/server/runs';

export const dynamic = 'force-dynamic';

/**
 * A new run of the same backbone, settings and stages on another version of the dataset (for
 * example one corrected from this run's top losses), started at once. Body: { versionId }.
 */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const { versionId } = await parseJson(request, rerunRequest);
    const run = await rerunOnVersion(access, id, versionId);
    return NextResponse.json({ id: run.id }, { status: 201 });
  },
);
