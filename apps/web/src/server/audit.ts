import 'server-only';
import type { Prisma } from '@studio/db';
import type { Access } from './access';
import { db } from './db';

/** Writes who (person or API token) did what to which row of the team. */
export async function recordAudit(
  access: Pick<Access, 'teamId' | 'userId' | 'tokenId'>,
  action: string,
  targetType: string,
  targetId: string | null,
  detail?: Record<string, unknown>,
): Promise<void> {
  await db().auditEvent.create({
    data: {
      teamId: access.teamId,
      actorUserId: access.userId,
      actorTokenId: access.tokenId,
      action,
      targetType,
      targetId,
      detail: detail as Prisma.InputJsonValue | undefined,
    },
  });
}

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown> | null;
  actor: { user: string | null; token: string | null };
}

/** The team's audit trail, newest first. */
export async function listAuditEvents(
  access: Access,
  options: { action?: string; take?: number } = {},
): Promise<AuditEntry[]> {
  const rows = await db().auditEvent.findMany({
    where: {
      teamId: access.teamId,
      ...(options.action ? { action: { startsWith: options.action } } : {}),
    },
    orderBy: { at: 'desc' },
    take: options.take ?? 200,
    include: {
      actorUser: { select: { name: true, email: true } },
      actorToken: { select: { name: true } },
    },
  });
  return rows.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    detail: (e.detail as Record<string, unknown> | null) ?? null,
    actor: { user: e.actorUser?.name ?? null, token: e.actorToken?.name ?? null },
  }));
}
