import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken } from '@studio/db';
import { lesserRole, type Role } from '@/lib/roles';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';

/** Every token starts with this, so a leaked one is easy to recognise in logs and scanners. */
export const TOKEN_PREFIX = 'studio_';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The token of a bearer secret and the role it acts with: the lesser of its scope (write acts as
 * a member, read as a viewer) and its creator's current role in the team. Null when the token is
 * unknown or revoked, or its creator no longer belongs to the team. Marks it used.
 */
export async function verifyApiToken(
  secret: string,
): Promise<{ token: ApiToken; role: Role } | null> {
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const token = await db().apiToken.findUnique({ where: { tokenHash: hashToken(secret) } });
  if (!token || token.revokedAt || !token.createdById) return null;
  const creator = await db().membership.findUnique({
    where: { teamId_userId: { teamId: token.teamId, userId: token.createdById } },
  });
  if (!creator) return null;
  // One write a minute at most: enough to show "last used" without a write per request.
  if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > 60_000) {
    await db().apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } });
  }
  return { token, role: lesserRole(token.scope === 'write' ? 'member' : 'viewer', creator.role) };
}

/** Revokes the tokens a person made for a team, when they leave it. */
export async function revokeTokensOf(access: Access, userId: string): Promise<void> {
  const tokens = await db().apiToken.findMany({
    where: { teamId: access.teamId, createdById: userId, revokedAt: null },
  });
  if (tokens.length === 0) return;
  await db().apiToken.updateMany({
    where: { id: { in: tokens.map((t) => t.id) } },
    data: { revokedAt: new Date() },
  });
  for (const token of tokens)
    await recordAudit(access, 'token.revoke', 'token', token.id, {
      name: token.name,
      reason: 'its creator left the team',
    });
}

export interface TokenSummary {
  id: string;
  name: string;
  scope: 'read' | 'write';
  start: string;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listApiTokens(access: Access): Promise<TokenSummary[]> {
  const rows = await db().apiToken.findMany({
    where: { teamId: access.teamId },
    orderBy: { createdAt: 'desc' },
    include: { createdBy: { select: { name: true } } },
  });
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    scope: t.scope,
    start: t.start,
    createdBy: t.createdBy?.name ?? null,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  }));
}

/** Creates a token for the team; the secret is returned this once and only its hash is kept. */
export async function createApiToken(
  access: Access,
  input: { name: string; scope: 'read' | 'write' },
): Promise<{ token: string; summary: TokenSummary }> {
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db().apiToken.create({
    data: {
      teamId: access.teamId,
      name: input.name,
      scope: input.scope,
      start: secret.slice(0, TOKEN_PREFIX.length + 6),
      tokenHash: hashToken(secret),
      createdById: access.userId,
    },
  });
  await recordAudit(access, 'token.create', 'token', row.id, {
    name: row.name,
    scope: row.scope,
  });
  const [summary] = (await listApiTokens(access)).filter((t) => t.id === row.id);
  return { token: secret, summary: summary! };
}

export async function revokeApiToken(access: Access, id: string): Promise<void> {
  const row = isUuid(id)
    ? await db().apiToken.findFirst({ where: { id, teamId: access.teamId } })
    : null;
  if (!row) throw new ApiError(404, `No API token with id ${id}.`);
  if (row.revokedAt) return;
  await db().apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await recordAudit(access, 'token.revoke', 'token', id, { name: row.name });
}
