import 'server-only';
import { hashPassword } from 'better-auth/crypto';
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '@studio/db';
import type { Role } from '@/lib/roles';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';
import { countSignInAttempt } from './sign-in-limit';
import { assertMayGrant, createPerson, normaliseEmail } from './teams';

/** How long an invitation link stays valid. */
export const INVITATION_DAYS = 7;

/** Refused attempts after which a code is spent. */
export const INVITATION_TRIES = 3;

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
    return { problem: 'This invitation was withdrawn or spent. Ask for a new one.' } as const;
  if (row.expiresAt < new Date())
    return { problem: 'This invitation has expired. Ask for a new one.' } as const;
  return { invitation: row } as const;
}

type OpenInvitation = Awaited<ReturnType<typeof openOrThrow>>;

async function openOrThrow(code: string) {
  const found = await findOpenInvitation(code);
  if ('problem' in found) throw new ApiError(410, found.problem!);
  return found.invitation;
}

/**
 * Counts a refused attempt at the code; the last allowed one spends it, so a link cannot be
 * tried over and over. Then refuses with `message`.
 */
async function refuse(invitation: OpenInvitation, message: string): Promise<never> {
  const { failedAttempts } = await db().invitation.update({
    where: { id: invitation.id },
    data: { failedAttempts: { increment: 1 } },
  });
  if (failedAttempts >= INVITATION_TRIES) {
    const spent = await db().invitation.updateMany({
      where: { id: invitation.id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (spent.count > 0)
      await recordAudit(
        { teamId: invitation.teamId, userId: null, tokenId: null },
        'invitation.spend',
        'invitation',
        invitation.id,
        { email: invitation.email, failedAttempts },
      );
  }
  throw new ApiError(403, message);
}

/** Uses the code up and adds the person to its team, in one transaction. */
async function join(tx: Prisma.TransactionClient, invitation: OpenInvitation, userId: string) {
  const claimed = await tx.invitation.updateMany({
    where: { id: invitation.id, acceptedAt: null, revokedAt: null },
    data: { acceptedAt: new Date() },
  });
  if (claimed.count === 0) throw new ApiError(410, 'This invitation was already used.');
  await tx.membership.upsert({
    where: { teamId_userId: { teamId: invitation.teamId, userId } },
    create: { teamId: invitation.teamId, userId, role: invitation.role },
    update: {},
  });
  await tx.auditEvent.create({
    data: {
      teamId: invitation.teamId,
      actorUserId: userId,
      action: 'member.join',
      targetType: 'member',
      targetId: userId,
      detail: { email: invitation.email, role: invitation.role, invitationId: invitation.id },
    },
  });
  return { email: invitation.email, teamId: invitation.teamId };
}

/** What a new-account attempt gets when it cannot be made, whatever the reason. */
export const newAccountRefusal = (email: string) =>
  `No new account can be made for ${email} with this invitation. If ${email} already has an account, sign in as ${email} and open this link again.`;

/**
 * A new person joins: the invitation's e-mail gets an account with this name and password. It
 * is refused when that e-mail has an account already, in words that say no more than any other
 * refusal; that person signs in and joins with joinAsSignedIn. Counted like a sign-in attempt.
 */
export async function joinAsNewPerson(
  code: string,
  input: { name: string; password: string },
  address: string | null,
) {
  const invitation = await openOrThrow(code);
  const giveBack = await countSignInAttempt(invitation.email, address);
  if ((await db().user.count({ where: { email: invitation.email } })) > 0)
    return refuse(invitation, newAccountRefusal(invitation.email));
  const passwordHash = await hashPassword(input.password);
  const joined = await db()
    .$transaction(async (tx) => {
      const person = await createPerson(tx, { ...input, email: invitation.email }, passwordHash);
      return join(tx, invitation, person.id);
    })
    .catch((error: unknown) => {
      // Another request made the account in between: the same refusal.
      if ((error as { code?: string }).code === 'P2002')
        return refuse(invitation, newAccountRefusal(invitation.email));
      throw error;
    });
  await giveBack();
  return joined;
}

/** Someone signed in joins with the code sent to their own e-mail; no password is asked. */
export async function joinAsSignedIn(code: string, user: { id: string; email: string }) {
  const invitation = await openOrThrow(code);
  if (normaliseEmail(user.email) !== invitation.email)
    return refuse(
      invitation,
      `This invitation is for ${invitation.email}, and you are signed in as ${user.email}. Sign out, then open the link again and sign in as ${invitation.email}.`,
    );
  return db().$transaction((tx) => join(tx, invitation, user.id));
}
