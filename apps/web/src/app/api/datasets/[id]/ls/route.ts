import { NextResponse } from 'next/server';
import { getDatasetOrThrow, listFolder } from '@/server/datasets';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await getDatasetOrThrow(id);
    const dir = new URL(request.url).searchParams.get('dir') ?? '';
    return NextResponse.json(await listFolder(id, dir));
  },
);
