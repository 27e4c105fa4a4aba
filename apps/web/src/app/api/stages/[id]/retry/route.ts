import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { retryStage } from '@/server/runs';

export const dynamic = 'force-dynamic';

const body = z.object({ halveBatch: z.boolean().default(false) });

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const { halveBatch } = await parseJson(request, body);
    await retryStage(access, id, halveBatch);
    return NextResponse.json({ ok: true });
  },
);
