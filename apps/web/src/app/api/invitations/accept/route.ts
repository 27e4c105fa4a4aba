import { NextResponse } from 'next/server';
import { z } from 'zod';
import { checkOrigin } from '@/server/access';
import { MIN_PASSWORD_LENGTH } from '@/server/auth';
import { handle, parseJson } from '@/server/http';
import { setTeamCookie } from '@/server/team-cookie';
import { acceptInvitation } from '@/server/invitations';
import { signIn } from '@/server/teams';

export const dynamic = 'force-dynamic';

const body = z.object({
  code: z.string().min(10).max(200),
  name: z.string().trim().max(200).optional(),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(200),
});

/** Joins a team with an invitation code, then signs the person in with that team active. */
export const POST = handle(async (request: Request) => {
  checkOrigin(request);
  const input = await parseJson(request, body);
  const joined = await acceptInvitation(input);
  const response = NextResponse.json({ teamId: joined.teamId });
  // First: NextResponse's cookie store rewrites Set-Cookie and would drop headers appended before.
  setTeamCookie(request, response, joined.teamId);
  for (const cookie of await signIn(request, joined.email, input.password))
    response.headers.append('Set-Cookie', cookie);
  return response;
});
