import { NextResponse } from 'next/server';
import { z } from 'zod';
import { checkOrigin, requestUser } from '@/server/access';
import { MIN_PASSWORD_LENGTH } from '@/server/auth';
import { clientAddress } from '@/server/client-address';
import { handle, parseJson, parseBody } from '@/server/http';
import { joinAsNewPerson, joinAsSignedIn } from '@/server/invitations';
import { setTeamCookie } from '@/server/team-cookie';
import { signIn } from '@/server/teams';

export const dynamic = 'force-dynamic';

const body = z.object({
  code: z.string().min(10).max(200),
  name: z.string().optional(),
  password: z.string().optional(),
});

const newPerson = z.object({
  name: z.string().trim().min(1, 'Enter your name.').max(200),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(200),
});

/**
 * Joins a team with an invitation code. Signed in, the person joins as themself (the code must
 * be for their e-mail); otherwise a new account is made from name and password and signed in.
 * Either way the team becomes the active one.
 */
export const POST = handle(async (request: Request) => {
  checkOrigin(request);
  const input = await parseJson(request, body);
  const user = await requestUser(request);
  let joined: { email: string; teamId: string };
  let sessionCookies: string[] = [];
  if (user) {
    joined = await joinAsSignedIn(input.code, user);
  } else {
    const person = parseBody(input, newPerson);
    joined = await joinAsNewPerson(input.code, person, clientAddress(request.headers));
    sessionCookies = await signIn(request, joined.email, person.password);
  }
  const response = NextResponse.json({ teamId: joined.teamId });
  // First: NextResponse's cookie store rewrites Set-Cookie and would drop headers appended before.
  setTeamCookie(request, response, joined.teamId);
  for (const cookie of sessionCookies) response.headers.append('Set-Cookie', cookie);
  return response;
});
