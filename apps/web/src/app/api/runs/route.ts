import { NextResponse } from 'next/server';
import { createRunRequest } from '@studio/shared';
import { handle, parseJson } from '@/server/http';
import { createRun, listRuns } from '@/server/runs';

export const dynamic = 'force-dynamic';

export const GET = handle(async () => NextResponse.json({ runs: await listRuns() }));

export const POST = handle(async (request: Request) => {
  const run = await createRun(await parseJson(request, createRunRequest));
  return NextResponse.json({ id: run.id }, { status: 201 });
});
