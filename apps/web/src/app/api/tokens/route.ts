import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { createApiToken, listApiTokens } from '@/server/tokens';

export const dynamic = 'force-dynamic';

const body = z.object({
  name: z.string().trim().min(1, 'Name the token after the script that uses it.').max(200),
  scope: z.enum(['read', 'write']),
});

export const GET = handle(async (request: Request) =>
  NextResponse.json({ tokens: await listApiTokens(await requireAccess(request, 'manage')) }),
);

/** The token's secret is in this answer only; the studio keeps its hash. */
export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request, 'manage');
  return NextResponse.json(await createApiToken(access, await parseJson(request, body)), {
    status: 201,
  });
});
