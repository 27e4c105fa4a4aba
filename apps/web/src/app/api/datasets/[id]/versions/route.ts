import { NextResponse } from 'next/server';
import { versionRequest } from '@studio/shared';
import { getDatasetOrThrow } from '@/server/datasets';
import { db } from '@/server/db';
import { handle, parseJson } from '@/server/http';
import { createVersion } from '@/server/labelling';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await getDatasetOrThrow(id);
    const versions = await db().datasetVersion.findMany({
      where: { datasetId: id },
      orderBy: { number: 'asc' },
    });
    return NextResponse.json({ versions });
  },
);

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await getDatasetOrThrow(id);
    return NextResponse.json(await createVersion(id, await parseJson(request, versionRequest)), {
      status: 201,
    });
  },
);
