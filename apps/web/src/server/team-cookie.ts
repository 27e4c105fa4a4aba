import 'server-only';
import type { NextResponse } from 'next/server';
import { TEAM_COOKIE } from './access';
import { isHttps } from './auth';

/** Remembers the active team; every request still checks the person belongs to it. */
export function setTeamCookie(request: Request, response: NextResponse, teamId: string) {
  response.cookies.set(TEAM_COOKIE, teamId, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request.headers, request.url),
    path: '/',
    maxAge: 60 * 60 * 24 * 365,
  });
}
