import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { listMembers } from '@/server/teams';

export const dynamic = 'force-dynamic';

export const GET = handle(async (request: Request) =>
  NextResponse.json({ members: await listMembers(await requireAccess(request)) }),
);
