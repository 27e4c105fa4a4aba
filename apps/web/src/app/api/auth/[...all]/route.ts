import { authFor } from '@/server/auth';

export const dynamic = 'force-dynamic';

/** Better Auth's endpoints: sign-in (rate limited), sign-out, sessions and their revocation. */
const handler = (request: Request) => authFor(request).handler(request);

export const GET = handler;
export const POST = handler;
