import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { launchStages } from '@/server/runs';

export const dynamic = 'force-dynamic';

const body = z.object({ mode: z.enum(['next', 'all']).default('all') });

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const { mode } = await parseJson(request, body);
    return NextResponse.json({ queued: await launchStages(access, id, mode) });
  },
);
