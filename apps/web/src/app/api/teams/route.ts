import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { ApiError, handle, parseJson } from '@/server/http';
import { setTeamCookie } from '@/server/team-cookie';
import { createTeam } from '@/server/teams';

export const dynamic = 'force-dynamic';

const body = z.object({ name: z.string().trim().min(1, 'Name the team.').max(200) });

/** Any signed-in person can start another team; they become its owner and switch to it. */
export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request);
  if (!access.userId || access.tokenId)
    throw new ApiError(403, 'Teams are created by people, not API tokens.');
  const team = await createTeam(access.userId, (await parseJson(request, body)).name);
  const response = NextResponse.json({ id: team.id }, { status: 201 });
  setTeamCookie(request, response, team.id);
  return response;
});
