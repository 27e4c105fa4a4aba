import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess, resolveMembership } from '@/server/access';
import { ApiError, handle, parseJson } from '@/server/http';
import { setTeamCookie } from '@/server/team-cookie';

export const dynamic = 'force-dynamic';

const body = z.object({ teamId: z.string().uuid() });

/** Switches the signed-in person's active team (one they belong to). */
export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request);
  if (!access.userId || access.tokenId)
    throw new ApiError(403, 'An API token belongs to one team and cannot switch.');
  const { teamId } = await parseJson(request, body);
  const { active } = await resolveMembership(access.userId, teamId);
  if (active?.teamId !== teamId) throw new ApiError(404, `No team with id ${teamId}.`);
  const response = NextResponse.json({ teamId, role: active.role });
  setTeamCookie(request, response, teamId);
  return response;
});
