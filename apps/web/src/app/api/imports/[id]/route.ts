import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { getImportOrThrow } from '@/server/imports';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const task = await getImportOrThrow(await requireAccess(request), (await params).id);
    return NextResponse.json(task, { headers: { 'Cache-Control': 'no-store' } });
  },
);
