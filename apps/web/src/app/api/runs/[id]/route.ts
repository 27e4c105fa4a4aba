import { NextResponse } from 'next/server';
import { ApiError, handle } from '@/server/http';
import { getRunDetail } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    const run = await getRunDetail(id);
    if (!run) throw new ApiError(404, `No run with id ${id}.`);
    return NextResponse.json(run, { headers: { 'Cache-Control': 'no-store' } });
  },
);
