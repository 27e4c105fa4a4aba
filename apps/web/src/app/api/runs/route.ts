import { NextResponse } from 'next/server';
import { createRunRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { createRun, listRuns } from '@/server/runs';

export const dynamic = 'force-dynamic';

/** The runs in use; `?archived=1` lists the archived ones instead. */
export const GET = handle(async (request: Request) => {
  const archived = new URL(request.url).searchParams.get('archived') === '1';
  return NextResponse.json({ runs: await listRuns(await requireAccess(request), { archived }) });
});

export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request, 'write');
  const run = await createRun(access, await parseJson(request, createRunRequest));
  return NextResponse.json({ id: run.id }, { status: 201 });
});
