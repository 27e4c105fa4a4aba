import { NextResponse } from 'next/server';
import { deleteUploadedBackbone } from '@/server/backbones';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const DELETE = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    await deleteUploadedBackbone(access, (await params).id);
    return new NextResponse(null, { status: 204 });
  },
);
