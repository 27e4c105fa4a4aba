import { NextResponse } from 'next/server';
import { getDatasetOrThrow } from '@/server/datasets';
import { handle } from '@/server/http';
import { completeUpload } from '@/server/imports';

export const dynamic = 'force-dynamic';

export const POST = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await getDatasetOrThrow(id);
    const dataset = await completeUpload(id);
    return NextResponse.json({ id, status: dataset.status, error: dataset.error });
  },
);
