import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { previewDatasetDeletion } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/** What deleting the dataset would remove and free, for the confirmation. */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    return NextResponse.json(await previewDatasetDeletion(access, (await params).id), {
      headers: { 'Cache-Control': 'no-store' },
    });
  },
);
