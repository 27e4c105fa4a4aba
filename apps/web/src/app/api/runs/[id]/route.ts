import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { ApiError, handle, parseJson } from '@/server/http';
import { deleteRun, renameOrArchiveFields, renameOrArchiveRun } from '@/server/lifecycle';
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

const patchBody = z
  .object({
    notes: z.string().max(20_000).optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
    ...renameOrArchiveFields,
  })
  .refine(
    (b) => Object.values(b).some((v) => v !== undefined),
    'Send notes, tags, a name or archived.',
  );

/** The run's notes and tags, its name, and whether it is archived. */
export const PATCH = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'write');
  const { notes, tags, name, archived } = await parseJson(request, patchBody);
  const { id } = await params;
  const kept =
    notes !== undefined || tags !== undefined
      ? await updateRunNotes(access, id, { notes, tags })
      : {};
  const renamed =
    name !== undefined || archived !== undefined
      ? await renameOrArchiveRun(access, id, { name, archived })
      : {};
  return NextResponse.json({ ...kept, ...renamed });
});

/** Deletes the run with its checkpoints, results and exports; answers what was freed. */
export const DELETE = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'write');
  return NextResponse.json({ deleted: await deleteRun(access, (await params).id) });
});
