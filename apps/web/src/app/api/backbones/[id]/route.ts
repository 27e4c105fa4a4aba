import { NextResponse } from 'next/server';
import { deleteUploadedBackbone } from '@/server/backbones';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const DELETE = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    await deleteUploadedBackbone((await params).id);
    return new NextResponse(null, { status: 204 });
  },
);
