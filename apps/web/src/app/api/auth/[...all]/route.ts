import { authFor } from '@/server/auth';
import { clientAddress, headersForAuth } from '@/server/client-address';
import { ApiError, handle } from '@/server/http';
import { withCappedBody } from '@/server/request-body';
import { readSignInBody } from '@/server/sign-in-body';
import { countSignInAttempt } from '@/server/sign-in-limit';

export const dynamic = 'force-dynamic';

/** The Better Auth endpoints the studio uses; others (password changes among them) are not served. */
const SERVED = ['sign-in/email', 'sign-out', 'get-session', 'list-sessions', 'revoke-sessions'];

/**
 * Better Auth's endpoints: sign-in behind the studio's attempt limits, sign-out, sessions and
 * their revocation. Better Auth gets the client's address from the studio, and a sign-in's
 * fields as the limit read them.
 */
const handler = handle(async (request: Request) => {
  const endpoint = new URL(request.url).pathname.replace(/^\/api\/auth\//, '');
  if (!SERVED.includes(endpoint)) {
    const served = SERVED.map((e) => `/api/auth/${e}`).join(', ');
    throw new ApiError(
      404,
      `The studio does not serve /api/auth/${endpoint}; it serves ${served}.`,
    );
  }
  const address = clientAddress(request.headers);
  const headers = headersForAuth(request.headers, address);
  let body: BodyInit | undefined;
  let giveBack: (() => Promise<void>) | undefined;
  if (endpoint === 'sign-in/email' && request.method === 'POST') {
    const credentials = await readSignInBody(request);
    giveBack = await countSignInAttempt(credentials.email, address);
    body = JSON.stringify(credentials);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    body = await request.arrayBuffer();
  }
  const response = await authFor(request).handler(
    new Request(request.url, { method: request.method, headers, body }),
  );
  if (response.ok) await giveBack?.();
  // Better Auth's own limit (other endpoints) names the wait only in X-Retry-After.
  if (response.status === 429 && !response.headers.has('retry-after'))
    response.headers.set('Retry-After', response.headers.get('x-retry-after') ?? '60');
  return response;
});

export const GET = handler;
// The body is read under the JSON cap first: Better Auth itself would read one of any size.
export const POST = handle(async (request: Request) => handler(await withCappedBody(request)));
