import { NextResponse } from 'next/server';
import { handle } from '@/server/http';
import { cancelRun } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    return NextResponse.json(await cancelRun(id));
  },
);
