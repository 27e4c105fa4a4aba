import { authFor } from '@/server/auth';
import { handle } from '@/server/http';
import { withCappedBody } from '@/server/request-body';
import { consumeSignInAttempt } from '@/server/sign-in-limit';

export const dynamic = 'force-dynamic';

/** Better Auth's endpoints: sign-in (rate limited), sign-out, sessions and their revocation. */
async function handler(request: Request): Promise<Response> {
  if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/sign-in/email')) {
    const body = (await request
      .clone()
      .json()
      .catch(() => ({}))) as { email?: unknown };
    if (typeof body.email === 'string') {
      const retryAfter = await consumeSignInAttempt(body.email);
      if (retryAfter !== null) {
        return Response.json(
          { message: `Too many sign-in attempts for this account. Try again in ${retryAfter} s.` },
          { status: 429, headers: { 'Retry-After': String(retryAfter) } },
        );
      }
    }
  }
  return authFor(request).handler(request);
}

export const GET = handler;
// The body is read under the JSON cap first: Better Auth itself would read one of any size.
export const POST = handle(async (request: Request) => handler(await withCappedBody(request)));
