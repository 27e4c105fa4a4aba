import { NextResponse } from 'next/server';
import { z } from 'zod';
import { checkOrigin } from '@/server/access';
import { MIN_PASSWORD_LENGTH } from '@/server/auth';
import { handle, parseJson } from '@/server/http';
import { setUpStudio, signIn } from '@/server/teams';

export const dynamic = 'force-dynamic';

export const setupRequest = z.object({
  name: z.string().trim().min(1, 'Enter your name.').max(200),
  email: z.string().trim().email('Enter a valid e-mail address.'),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(200),
  teamName: z.string().trim().min(1, 'Name the first team.').max(200),
});

/** First start only: creates the owner and the first team, and signs the owner in. */
export const POST = handle(async (request: Request) => {
  checkOrigin(request);
  const body = await parseJson(request, setupRequest);
  const { team } = await setUpStudio(body);
  const response = NextResponse.json({ teamId: team.id }, { status: 201 });
  for (const cookie of await signIn(request, body.email, body.password))
    response.headers.append('Set-Cookie', cookie);
  return response;
});
