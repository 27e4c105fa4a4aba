import 'server-only';
import { randomUUID } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import type { Prisma } from '@studio/db';
import type { Role } from '@/lib/roles';
import type { Access } from './access';
import { recordAudit } from './audit';
import { authFor } from './auth';
import { headersForAuth } from './client-address';
import { db } from './db';
import { ApiError } from './http';
import { revokeTokensOf } from './tokens';

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

/** A person and their e-mail/password login, in the shape Better Auth reads (scrypt hash). */
/**
 * Makes an account. The password is hashed by the caller before its transaction opens: scrypt
 * takes long enough on a busy host to outlast an interactive transaction's time limit.
 */
export async function createPerson(
  tx: Prisma.TransactionClient,
  account: Omit<NewAccount, 'password'>,
  passwordHash: string,
) {
  const id = randomUUID();
  const user = await tx.user.create({
    data: { id, name: account.name.trim(), email: normaliseEmail(account.email) },
  });
  await tx.account.create({
    data: {
      id: randomUUID(),
      userId: id,
      accountId: id,
      providerId: 'credential',
      password: passwordHash,
    },
  });
  return user;
}

/**
 * Signs in an account this very request made (setup, joining as someone new) and returns the
 * Set-Cookie headers of its session. People signing in go through /api/auth and its limits.
 */
export async function signIn(request: Request, email: string, password: string) {
  const response = await authFor(request).api.signInEmail({
    body: { email: normaliseEmail(email), password },
    headers: headersForAuth(request.headers),
    asResponse: true,
  });
  if (!response.ok) throw new ApiError(401, 'The e-mail or password is not right.');
  return response.headers.getSetCookie();
}

export async function isSetUp(): Promise<boolean> {
  return (await db().user.count()) > 0;
}

/**
 * First start: makes the owner's account and the first team, which adopts every dataset, run
 * and backbone made before teams existed. Refused (409) once anyone has an account.
 */
export async function setUpStudio(input: NewAccount & { teamName: string }) {
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    // Two first visitors at once: the second waits here and then finds the owner.
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', 'studio-setup');
    if ((await tx.user.count()) > 0) {
      throw new ApiError(
        409,
        'The studio is already set up. Sign in, or ask the owner for an invitation.',
      );
    }
    const user = await createPerson(tx, input, passwordHash);
    const team = await tx.team.create({ data: { name: input.teamName.trim() } });
    await tx.membership.create({ data: { teamId: team.id, userId: user.id, role: 'owner' } });
    const adopted = {
      datasets: (
        await tx.dataset.updateMany({ where: { teamId: null }, data: { teamId: team.id } })
      ).count,
      runs: (await tx.run.updateMany({ where: { teamId: null }, data: { teamId: team.id } })).count,
      backbones: (
        await tx.uploadedBackbone.updateMany({ where: { teamId: null }, data: { teamId: team.id } })
      ).count,
    };
    await tx.auditEvent.create({
      data: {
        teamId: team.id,
        actorUserId: user.id,
        action: 'team.create',
        targetType: 'team',
        targetId: team.id,
        detail: { name: team.name, adopted },
      },
    });
    return { user, team };
  });
}

/** Makes another team with the signed-in person as its owner. */
export async function createTeam(userId: string, name: string) {
  const team = await db().team.create({
    data: { name: name.trim(), memberships: { create: { userId, role: 'owner' } } },
  });
  await recordAudit({ teamId: team.id, userId, tokenId: null }, 'team.create', 'team', team.id, {
    name: team.name,
  });
  return team;
}

export interface MemberSummary {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: string;
}

export async function listMembers(access: Access): Promise<MemberSummary[]> {
  const rows = await db().membership.findMany({
    where: { teamId: access.teamId },
    orderBy: { createdAt: 'asc' },
    include: { user: { select: { name: true, email: true } } },
  });
  return rows.map((m) => ({
    userId: m.userId,
    name: m.user.name,
    email: m.user.email,
    role: m.role,
    joinedAt: m.createdAt.toISOString(),
  }));
}

async function membershipOrThrow(access: Access, userId: string) {
  const member = await db().membership.findUnique({
    where: { teamId_userId: { teamId: access.teamId, userId } },
  });
  if (!member) throw new ApiError(404, `No member with id ${userId} in this team.`);
  return member;
}

async function assertAnotherOwner(access: Access, userId: string) {
  const owners = await db().membership.count({
    where: { teamId: access.teamId, role: 'owner', userId: { not: userId } },
  });
  if (owners === 0)
    throw new ApiError(409, 'A team keeps at least one owner: make someone else owner first.');
}

export function assertMayGrant(access: Access, role: Role) {
  if (role === 'owner' && access.role !== 'owner')
    throw new ApiError(403, 'Only an owner can make someone an owner.');
}

export async function changeMemberRole(access: Access, userId: string, role: Role) {
  const member = await membershipOrThrow(access, userId);
  assertMayGrant(access, role);
  if (member.role === 'owner' && access.role !== 'owner')
    throw new ApiError(403, "Only an owner can change an owner's role.");
  if (member.role === 'owner' && role !== 'owner') await assertAnotherOwner(access, userId);
  await db().membership.update({
    where: { teamId_userId: { teamId: access.teamId, userId } },
    data: { role },
  });
  await recordAudit(access, 'member.role', 'member', userId, { from: member.role, to: role });
}

export async function removeMember(access: Access, userId: string) {
  const member = await membershipOrThrow(access, userId);
  if (member.role === 'owner') {
    if (access.role !== 'owner') throw new ApiError(403, 'Only an owner can remove an owner.');
    await assertAnotherOwner(access, userId);
  }
  await db().membership.delete({ where: { teamId_userId: { teamId: access.teamId, userId } } });
  await recordAudit(access, 'member.remove', 'member', userId, { role: member.role });
  await revokeTokensOf(access, userId);
}
