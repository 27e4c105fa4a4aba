import { NextResponse } from 'next/server';
import { correctionsRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { saveCorrections } from '@/server/corrections';
import { handle, parseJson } from '@/server/http';
import { BODY_LIMITS } from '@/server/request-body';

export const dynamic = 'force-dynamic';

/**
 * Saves corrections from the stage's top losses as a new dataset version. Body: { corrections:
 * [{ fileId, action: 'relabel', label } | { fileId, action: 'exclude' }] }. Answers the new
 * version: { id, number, relabelled, excluded, … } (201).
 */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const body = await parseJson(request, correctionsRequest, BODY_LIMITS.labelling);
    return NextResponse.json(await saveCorrections(access, id, body), { status: 201 });
  },
);
