import 'server-only';
import { headers as nextHeaders, cookies as nextCookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { isAllowed, type Need, type Role } from '@/lib/roles';
import { answerWithin } from './answer-within';
import { auth, isHttps } from './auth';
import { db } from './db';
import { ApiError } from './http';
import { verifyApiToken } from './tokens';

/**
 * Who is asking and for which team. Every data-access function takes one and filters every
 * query by its team, so another team's ids simply do not exist for it.
 */
export interface Access {
  teamId: string;
  role: Role;
  /** The signed-in person, or the person who created the API token. */
  userId: string | null;
  /** Set when the request carried an API token instead of a session. */
  tokenId: string | null;
}

/** The cookie holding the team a person last switched to. */
export const TEAM_COOKIE = 'studio-team';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const DENIED: Record<Need, string> = {
  read: 'You cannot read this team.',
  write:
    "Viewers can read the team's work but not change it; ask an owner or admin for the member role.",
  manage: 'Only the team owner and admins can manage members, invitations and API tokens.',
};

/**
 * Refuses a state-changing browser request whose Origin is not this studio (cross-site request
 * forgery): scheme, host and port must all match, so the https and http sites of one host, or
 * two ports of it, are different origins. Requests with an API token carry no cookie and are
 * exempt.
 */
export function checkOrigin(request: Request): void {
  if (!STATE_CHANGING.has(request.method)) return;
  const origin = request.headers.get('origin');
  const studio = studioOrigin(request);
  if (!origin || !studio || originOf(origin) !== studio) {
    throw new ApiError(
      403,
      `This request came from another site (Origin ${origin ?? 'missing'}, studio ${studio ?? 'unknown'}); the studio only accepts changes from its own pages or with an API token.`,
    );
  }
}

/** The studio's own origin as the browser sees it: through a proxy, the one it names. */
function studioOrigin(request: Request): string | null {
  const forwarded = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded || request.headers.get('host');
  if (!host) return null;
  return originOf(`${isHttps(request.headers, request.url) ? 'https' : 'http'}://${host}`);
}

/** `scheme://host[:port]`, with the scheme's default port left out, or null when malformed. */
function originOf(url: string): string | null {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * The caller's access when the request carries credentials that are valid, else null: for
 * answers that anyone may have but signed-in people get more of. Never throws, and gives up
 * after `withinMs` (the database may be the thing that is down).
 */
export async function optionalAccess(request: Request, withinMs = 2_000): Promise<Access | null> {
  if (!bearerOf(request) && !request.headers.get('cookie')) return null;
  return answerWithin(requireAccess(request), withinMs).catch(() => null);
}

function bearerOf(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match ? match[1]! : null;
}

function cookieValue(cookieHeader: string | null, name: string): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** The membership a person acts through: the team of their cookie when they belong to it, else their first. */
export async function resolveMembership(userId: string, preferredTeamId?: string) {
  const memberships = await db().membership.findMany({
    where: { userId },
    orderBy: { createdAt: 'asc' },
    include: { team: { select: { id: true, name: true } } },
  });
  const active = memberships.find((m) => m.teamId === preferredTeamId) ?? memberships[0] ?? null;
  return { active, memberships };
}

/** The signed-in person of a page request, whether or not they still belong to a team. */
export async function signedInUser() {
  return sessionUser(await nextHeaders());
}

/** The signed-in person of a route handler's request, or null; whether or not in a team. */
export function requestUser(request: Request) {
  return sessionUser(request.headers, request.url);
}

async function sessionUser(headers: Headers, url?: string) {
  const session = await auth(isHttps(headers, url)).api.getSession({ headers });
  return session ? { ...session.user, sessionId: session.session.id } : null;
}

/**
 * Authenticates and authorises one route handler call: an API token (`Authorization: Bearer`)
 * or a session cookie (whose state-changing requests must come from the studio's own origin),
 * then the role the request needs. 401 without credentials, 403 without the role.
 */
export async function requireAccess(request: Request, need: Need = 'read'): Promise<Access> {
  const bearer = bearerOf(request);
  if (bearer) {
    const verified = await verifyApiToken(bearer);
    if (!verified)
      throw new ApiError(
        401,
        'The API token is not valid, was revoked, or its creator left the team. Create a new one.',
      );
    const { token, role } = verified;
    if (need === 'manage')
      throw new ApiError(403, 'API tokens cannot manage members, invitations or tokens.');
    if (!isAllowed(role, need))
      throw new ApiError(
        403,
        token.scope === 'read'
          ? 'This API token can only read; create a token with write access.'
          : `This API token was made by someone who is now a ${role} in this team, so it can only read.`,
      );
    return { teamId: token.teamId, role, userId: token.createdById, tokenId: token.id };
  }
  checkOrigin(request);
  const user = await sessionUser(request.headers, request.url);
  if (!user) throw new ApiError(401, 'Sign in to use the studio.');
  const preferred = cookieValue(request.headers.get('cookie'), TEAM_COOKIE);
  const { active } = await resolveMembership(user.id, preferred);
  if (!active) throw new ApiError(403, 'You are not a member of any team.');
  if (!isAllowed(active.role, need)) throw new ApiError(403, DENIED[need]);
  return { teamId: active.teamId, role: active.role, userId: user.id, tokenId: null };
}

export interface Viewer {
  access: Access;
  user: { id: string; name: string; email: string };
  /** The session of this browser. */
  sessionId: string;
  teams: { id: string; name: string; role: Role }[];
}

/** The signed-in person of a page request, or null (no session, or no team). */
export async function currentViewer(): Promise<Viewer | null> {
  const headers = await nextHeaders();
  const user = await sessionUser(headers);
  if (!user) return null;
  const preferred = (await nextCookies()).get(TEAM_COOKIE)?.value;
  const { active, memberships } = await resolveMembership(user.id, preferred);
  if (!active) return null;
  return {
    access: { teamId: active.teamId, role: active.role, userId: user.id, tokenId: null },
    user: { id: user.id, name: user.name, email: user.email },
    sessionId: user.sessionId,
    teams: memberships.map((m) => ({ id: m.team.id, name: m.team.name, role: m.role })),
  };
}

/**
 * For server components: the viewer's access, or a redirect to /setup (no account exists yet)
 * or /sign-in. Pages that change things ask for the role they need and show 403 otherwise.
 */
export async function pageAccess(need: Need = 'read'): Promise<Access> {
  const viewer = await currentViewer();
  if (!viewer) {
    if ((await db().user.count()) === 0) redirect('/setup');
    redirect('/sign-in');
  }
  if (!isAllowed(viewer.access.role, need)) redirect('/forbidden');
  return viewer.access;
}
