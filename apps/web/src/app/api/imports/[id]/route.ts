import { NextResponse } from 'next/server';
import { db } from '@/server/db';
import { ApiError, handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    const task = /^[0-9a-f-]{36}$/i.test(id)
      ? await db().importTask.findUnique({ where: { id } })
      : null;
    if (!task) throw new ApiError(404, `No import with id ${id}.`);
    return NextResponse.json(task, { headers: { 'Cache-Control': 'no-store' } });
  },
);
