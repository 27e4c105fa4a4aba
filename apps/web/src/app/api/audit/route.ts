import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { listAuditEvents } from '@/server/audit';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

/** The team's audit trail (owners and admins); `?action=run.` narrows it by action prefix. */
export const GET = handle(async (request: Request) => {
  const access = await requireAccess(request, 'manage');
  const action = new URL(request.url).searchParams.get('action') ?? undefined;
  return NextResponse.json({ events: await listAuditEvents(access, { action }) });
});
