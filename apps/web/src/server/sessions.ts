import 'server-only';
import { db } from './db';
import { readableAddress } from '@/lib/readable-address';
import { ApiError } from './http';

export interface SessionSummary {
  id: string;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastActiveAt: string;
  isCurrent: boolean;
}

/** A person's signed-in browsers, most recently active first (never their tokens). */
export async function listSessions(
  userId: string,
  currentSessionId: string,
): Promise<SessionSummary[]> {
  const rows = await db().session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    orderBy: { updatedAt: 'desc' },
  });
  return rows.map((s) => ({
    id: s.id,
    userAgent: s.userAgent,
    ipAddress: s.ipAddress && readableAddress(s.ipAddress),
    createdAt: s.createdAt.toISOString(),
    lastActiveAt: s.updatedAt.toISOString(),
    isCurrent: s.id === currentSessionId,
  }));
}

/** Signs one of the person's own browsers out. */
export async function revokeSession(userId: string, sessionId: string): Promise<void> {
  const { count } = await db().session.deleteMany({ where: { id: sessionId, userId } });
  if (count === 0) throw new ApiError(404, `No session with id ${sessionId}.`);
}
