import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ROLES, type Role } from '@/lib/roles';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { createInvitation, listInvitations } from '@/server/invitations';

export const dynamic = 'force-dynamic';

const body = z.object({
  email: z.string().trim().email('Enter a valid e-mail address.'),
  role: z.enum(ROLES as [Role, ...Role[]]),
});

export const GET = handle(async (request: Request) =>
  NextResponse.json({ invitations: await listInvitations(await requireAccess(request, 'manage')) }),
);

/** Answers the one-time code once; the invitee opens `/invite/<code>`. */
export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request, 'manage');
  return NextResponse.json(await createInvitation(access, await parseJson(request, body)), {
    status: 201,
  });
});
