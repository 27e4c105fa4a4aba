import { NextResponse } from 'next/server';
import { z } from 'zod';
import { handle, parseJson } from '@/server/http';
import { retryStage } from '@/server/runs';

export const dynamic = 'force-dynamic';

const body = z.object({ halveBatch: z.boolean().default(false) });

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    const { halveBatch } = await parseJson(request, body);
    await retryStage(id, halveBatch);
    return NextResponse.json({ ok: true });
  },
);
