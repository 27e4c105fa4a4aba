import { NextResponse } from 'next/server';
import { z } from 'zod';
import { stageSpec } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { addStages } from '@/server/runs';

export const dynamic = 'force-dynamic';

const body = z.object({ stages: z.array(stageSpec).min(1).max(50) });

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const { stages } = await parseJson(request, body);
    return NextResponse.json({ stages: await addStages(access, id, stages) }, { status: 201 });
  },
);
