import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { ApiError, handle, parseJson } from '@/server/http';
import { getRunDetail, updateRunNotes } from '@/server/runs';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ id: string }> };

export const GET = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request);
  const { id } = await params;
  const run = await getRunDetail(access, id);
  if (!run) throw new ApiError(404, `No run with id ${id}.`);
  return NextResponse.json(run, { headers: { 'Cache-Control': 'no-store' } });
});

const notesBody = z
  .object({
    notes: z.string().max(20_000).optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  })
  .refine((b) => b.notes !== undefined || b.tags !== undefined, 'Send notes, tags or both.');

/** The run's notes and tags. */
export const PATCH = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'write');
  const input = await parseJson(request, notesBody);
  return NextResponse.json(await updateRunNotes(access, (await params).id, input));
});
