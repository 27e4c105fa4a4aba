import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { verifyPassword } from 'better-auth/crypto';
import type { Role } from '@/lib/roles';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';
import { assertMayGrant, createPerson, normaliseEmail } from './teams';

/** How long an invitation link stays valid. */
export const INVITATION_DAYS = 7;

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface InvitationSummary {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** Invitations of the team that are neither used, revoked nor expired. */
export async function listInvitations(access: Access): Promise<InvitationSummary[]> {
  const rows = await db().invitation.findMany({
    where: {
      teamId: access.teamId,
      acceptedAt: null,
      revokedAt: null,
      expiresAt: { gt: new Date() },
    },
    orderBy: { createdAt: 'desc' },
  });
  const names = new Map(
    (
      await db().user.findMany({
        where: { id: { in: rows.flatMap((r) => (r.invitedById ? [r.invitedById] : [])) } },
        select: { id: true, name: true },
      })
    ).map((u) => [u.id, u.name]),
  );
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    invitedBy: r.invitedById ? (names.get(r.invitedById) ?? null) : null,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
  }));
}

/**
 * Invites an e-mail address with a role. No mail is sent: the one-time code comes back once
 * and the inviter passes on the link `/invite/<code>`; only its hash is stored.
 */
export async function createInvitation(access: Access, input: { email: string; role: Role }) {
  assertMayGrant(access, input.role);
  const email = normaliseEmail(input.email);
  const existing = await db().membership.findFirst({
    where: { teamId: access.teamId, user: { email } },
  });
  if (existing) throw new ApiError(409, `${email} is already a member of this team.`);
  const code = randomBytes(24).toString('base64url');
  const row = await db().invitation.create({
    data: {
      teamId: access.teamId,
      email,
      role: input.role,
      tokenHash: hashSecret(code),
      invitedById: access.userId,
      expiresAt: new Date(Date.now() + INVITATION_DAYS * 24 * 3600 * 1000),
    },
  });
  await recordAudit(access, 'invitation.create', 'invitation', row.id, {
    email,
    role: input.role,
  });
  return { id: row.id, code, path: `/invite/${code}`, expiresAt: row.expiresAt.toISOString() };
}

export async function revokeInvitation(access: Access, id: string) {
  const row = isUuid(id)
    ? await db().invitation.findFirst({ where: { id, teamId: access.teamId } })
    : null;
  if (!row) throw new ApiError(404, `No invitation with id ${id}.`);
  await db().invitation.update({ where: { id }, data: { revokedAt: new Date() } });
  await recordAudit(access, 'invitation.revoke', 'invitation', id, { email: row.email });
}

/** The invitation a code opens, if it can still be used; what the join page shows. */
export async function findOpenInvitation(code: string) {
  const row = await db().invitation.findUnique({
    where: { tokenHash: hashSecret(code) },
    include: { team: { select: { id: true, name: true } } },
  });
  if (!row) return { problem: 'This invitation link is not valid. Ask for a new one.' } as const;
  if (row.acceptedAt)
    return { problem: 'This invitation was already used. Sign in instead.' } as const;
  if (row.revokedAt)
    return { problem: 'This invitation was withdrawn. Ask for a new one.' } as const;
  if (row.expiresAt < new Date())
    return { problem: 'This invitation has expired. Ask for a new one.' } as const;
  const hasAccount = (await db().user.count({ where: { email: row.email } })) > 0;
  return { invitation: row, hasAccount } as const;
}

/**
 * Joins the invitation's team: a new person sets their name and password; someone who already
 * has an account (in another team) confirms with their password. Each code works once.
 */
export async function acceptInvitation(input: { code: string; name?: string; password: string }) {
  const found = await findOpenInvitation(input.code);
  if ('problem' in found) throw new ApiError(410, found.problem!);
  const { invitation } = found;
  return db().$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null },
      data: { acceptedAt: new Date() },
    });
    if (claimed.count === 0) throw new ApiError(410, 'This invitation was already used.');
    let user = await tx.user.findUnique({
      where: { email: invitation.email },
      include: { accounts: { where: { providerId: 'credential' } } },
    });
    if (user) {
      const hash = user.accounts[0]?.password;
      if (!hash || !(await verifyPassword({ hash, password: input.password })))
        throw new ApiError(
          401,
          `Enter the password of your existing account (${invitation.email}).`,
        );
    } else {
      if (!input.name?.trim()) throw new ApiError(400, 'Enter your name.');
      const person = await createPerson(tx, {
        name: input.name,
        email: invitation.email,
        password: input.password,
      });
      user = { ...person, accounts: [] };
    }
    await tx.membership.upsert({
      where: { teamId_userId: { teamId: invitation.teamId, userId: user.id } },
      create: { teamId: invitation.teamId, userId: user.id, role: invitation.role },
      update: {},
    });
    await tx.auditEvent.create({
      data: {
        teamId: invitation.teamId,
        actorUserId: user.id,
        action: 'member.join',
        targetType: 'member',
        targetId: user.id,
        detail: { email: invitation.email, role: invitation.role, invitationId: invitation.id },
      },
    });
    return { email: invitation.email, teamId: invitation.teamId };
  });
}
