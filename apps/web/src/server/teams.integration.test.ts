import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import type { Access } from './access';
import { db } from './db';
import { ApiError } from './http';
import { acceptInvitation, createInvitation, findOpenInvitation } from './invitations';
import { changeMemberRole, listMembers, removeMember, setUpStudio } from './teams';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let database: TestDatabase;
let owner: Access;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
}, 120_000);

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

describe('first start', () => {
  it('makes the owner and the first team, which adopts the rows made before teams existed', async () => {
    const dataset = await db().dataset.create({
      data: { name: 'old photos', sourceKind: 'folder' },
    });
    const backbone = await db().uploadedBackbone.create({
      data: {
        name: 'old backbone',
        files: [],
        bytes: 0n,
        inputShape: [224, 224, 3],
        normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
        cutLayer: 'out_relu',
      },
    });
    const { user, team } = await setUpStudio({
      name: 'Olivia',
      email: ' Olivia@Studio.test ',
      password: 'owner-password-1',
      teamName: 'Lesson one',
    });
    expect(user.email).toBe('olivia@studio.test');
    expect((await db().dataset.findUniqueOrThrow({ where: { id: dataset.id } })).teamId).toBe(
      team.id,
    );
    expect(
      (await db().uploadedBackbone.findUniqueOrThrow({ where: { id: backbone.id } })).teamId,
    ).toBe(team.id);
    const account = await db().account.findFirstOrThrow({ where: { userId: user.id } });
    // scrypt, salted: never the password itself.
    expect(account.password).not.toContain('owner-password-1');
    expect(account.password).toMatch(/^[0-9a-f]+:[0-9a-f]+$/);
    owner = { teamId: team.id, role: 'owner', userId: user.id, tokenId: null };
    const again = await rejection(
      setUpStudio({ name: 'M', email: 'm@evil.test', password: 'long-enough-1', teamName: 'x' }),
    );
    expect(again.status).toBe(409);
  });
});

describe('invitations and members', () => {
  it('gives the invited address an account in the team, and lets the code work once', async () => {
    const invitation = await createInvitation(owner, { email: 'Vi@Studio.test', role: 'viewer' });
    const stored = await db().invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(stored.tokenHash).not.toBe(invitation.code);
    expect(stored.email).toBe('vi@studio.test');
    const joined = await acceptInvitation({
      code: invitation.code,
      name: 'Vi',
      password: 'viewer-pass-1',
    });
    expect(joined).toEqual({ email: 'vi@studio.test', teamId: owner.teamId });
    expect(
      (await rejection(acceptInvitation({ code: invitation.code, password: 'x'.repeat(12) })))
        .status,
    ).toBe(410);
    expect(await findOpenInvitation('not-a-code')).toEqual({
      problem: 'This invitation link is not valid. Ask for a new one.',
    });
    const members = await listMembers(owner);
    expect(members.map((m) => [m.email, m.role])).toEqual([
      ['olivia@studio.test', 'owner'],
      ['vi@studio.test', 'viewer'],
    ]);
    expect(
      (await rejection(createInvitation(owner, { email: 'vi@studio.test', role: 'member' })))
        .status,
    ).toBe(409);
  });

  it('asks someone with an account for their own password to join another team', async () => {
    const other = await db().team.create({ data: { name: 'Other lab' } });
    const otherOwner: Access = { ...owner, teamId: other.id };
    await db().membership.create({
      data: { teamId: other.id, userId: owner.userId!, role: 'owner' },
    });
    const invitation = await createInvitation(otherOwner, {
      email: 'vi@studio.test',
      role: 'member',
    });
    const wrong = await rejection(
      acceptInvitation({ code: invitation.code, password: 'not-her-password' }),
    );
    expect(wrong.status).toBe(401);
    // A refused attempt does not use the code up.
    expect('invitation' in (await findOpenInvitation(invitation.code))).toBe(true);
    await acceptInvitation({ code: invitation.code, password: 'viewer-pass-1' });
    const vi = await db().user.findUniqueOrThrow({
      where: { email: 'vi@studio.test' },
      include: { memberships: true },
    });
    expect(vi.memberships.map((m) => m.role).sort()).toEqual(['member', 'viewer']);
  });

  it('keeps one owner, and lets only owners grant or take away ownership', async () => {
    const vi = await db().user.findUniqueOrThrow({ where: { email: 'vi@studio.test' } });
    const lastOwner = await rejection(changeMemberRole(owner, owner.userId!, 'admin'));
    expect(lastOwner.status).toBe(409);
    await changeMemberRole(owner, vi.id, 'admin');
    const admin: Access = { teamId: owner.teamId, role: 'admin', userId: vi.id, tokenId: null };
    expect((await rejection(changeMemberRole(admin, vi.id, 'owner'))).status).toBe(403);
    expect((await rejection(removeMember(admin, owner.userId!))).status).toBe(403);
    expect(
      (await rejection(createInvitation(admin, { email: 'x@studio.test', role: 'owner' }))).status,
    ).toBe(403);
    await removeMember(owner, vi.id);
    expect((await listMembers(owner)).map((m) => m.email)).toEqual(['olivia@studio.test']);
    const trail = await db().auditEvent.findMany({
      where: { teamId: owner.teamId },
      orderBy: { at: 'asc' },
    });
    expect(trail.map((e) => e.action)).toEqual([
      'team.create',
      'invitation.create',
      'member.join',
      'member.role',
      'member.remove',
    ]);
  });
});
