import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ROLES, type Role } from '@/lib/roles';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { changeMemberRole, removeMember } from '@/server/teams';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ userId: string }> };

const body = z.object({ role: z.enum(ROLES as [Role, ...Role[]]) });

export const PATCH = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'manage');
  const { role } = await parseJson(request, body);
  await changeMemberRole(access, (await params).userId, role);
  return NextResponse.json({ role });
});

export const DELETE = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'manage');
  await removeMember(access, (await params).userId);
  return new NextResponse(null, { status: 204 });
});
