import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { deletePendingStage } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const DELETE = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    await deletePendingStage(access, (await params).id);
    return new NextResponse(null, { status: 204 });
  },
);
