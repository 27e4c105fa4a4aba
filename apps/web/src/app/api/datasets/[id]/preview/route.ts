import { NextResponse } from 'next/server';
import { versionRequest } from '@studio/shared';
import { getDatasetOrThrow } from '@/server/datasets';
import { handle, parseJson } from '@/server/http';
import { previewLabelling } from '@/server/labelling';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await getDatasetOrThrow(id);
    return NextResponse.json(await previewLabelling(id, await parseJson(request, versionRequest)));
  },
);
