import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { completeUpload } from '@/server/imports';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const dataset = await completeUpload(access, id);
    return NextResponse.json({ id, status: dataset.status, error: dataset.error });
  },
);
