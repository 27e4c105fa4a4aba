import { NextResponse } from 'next/server';
import { handle } from '@/server/http';
import { deletePendingStage } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const DELETE = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await deletePendingStage(id);
    return new NextResponse(null, { status: 204 });
  },
);
