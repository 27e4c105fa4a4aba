import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { ApiError, handle } from '@/server/http';
import { revokeSession } from '@/server/sessions';

export const dynamic = 'force-dynamic';

/** Signs out one of the caller's own sessions (another browser). */
export const DELETE = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    if (!access.userId || access.tokenId)
      throw new ApiError(403, 'Sessions are managed by their person, not by API tokens.');
    await revokeSession(access.userId, (await params).id);
    return new NextResponse(null, { status: 204 });
  },
);
