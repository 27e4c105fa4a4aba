import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { cancelRun } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    return NextResponse.json(await cancelRun(access, (await params).id));
  },
);
