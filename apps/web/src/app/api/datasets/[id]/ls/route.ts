import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { listFolder } from '@/server/datasets';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    const { id } = await params;
    const dir = new URL(request.url).searchParams.get('dir') ?? '';
    return NextResponse.json(await listFolder(access, id, dir));
  },
);
