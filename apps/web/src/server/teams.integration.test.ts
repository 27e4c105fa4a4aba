import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import type { Access } from './access';
import { db } from './db';
import { ApiError } from './http';
import {
  createInvitation,
  findOpenInvitation,
  joinAsNewPerson,
  joinAsSignedIn,
  newAccountRefusal,
} from './invitations';
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

/** The connection address the invitation functions are called with, as a route would. */
const ADDRESS = '127.0.0.1';
let viUserId = '';
const viId = () => viUserId;

/** A further team of the owner's, and the owner's access to it. */
async function otherTeam(name: string): Promise<Access> {
  const team = await db().team.create({
    data: { name, memberships: { create: { userId: owner.userId!, role: 'owner' } } },
  });
  return { ...owner, teamId: team.id };
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
    const joined = await joinAsNewPerson(
      invitation.code,
      { name: 'Vi', password: 'viewer-pass-1' },
      ADDRESS,
    );
    expect(joined).toEqual({ email: 'vi@studio.test', teamId: owner.teamId });
    viUserId = (await db().user.findUniqueOrThrow({ where: { email: 'vi@studio.test' } })).id;
    const again = joinAsNewPerson(
      invitation.code,
      { name: 'Vi', password: 'x'.repeat(12) },
      ADDRESS,
    );
    expect((await rejection(again)).status).toBe(410);
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

  it('makes no second account for an e-mail that has one, and spends the code after three tries', async () => {
    const other = await otherTeam('Other lab');
    const invitation = await createInvitation(other, { email: 'vi@studio.test', role: 'owner' });
    // Even Vi's own password, sent as a new account's, gets the refusal every attempt gets.
    for (const password of ['not-her-password', 'viewer-pass-1', 'viewer-pass-1']) {
      const refused = await rejection(
        joinAsNewPerson(invitation.code, { name: 'Mallory', password }, ADDRESS),
      );
      expect([refused.status, refused.message]).toEqual([403, newAccountRefusal('vi@studio.test')]);
    }
    const spent = await rejection(
      joinAsSignedIn(invitation.code, { id: viId(), email: 'vi@studio.test' }),
    );
    expect(spent.status).toBe(410);
    expect(await findOpenInvitation(invitation.code)).toEqual({
      problem: 'This invitation was withdrawn or spent. Ask for a new one.',
    });
    expect(await db().user.count({ where: { email: 'vi@studio.test' } })).toBe(1);
    expect(await db().membership.count({ where: { teamId: other.teamId } })).toBe(1);
    const trail = await db().auditEvent.findMany({ where: { teamId: other.teamId } });
    expect(trail.map((e) => e.action)).toContain('invitation.spend');
  });

  it('lets a signed-in person join with a code for their own e-mail, and nobody else', async () => {
    const other = await otherTeam('Reading group');
    const invitation = await createInvitation(other, { email: 'Vi@Studio.test', role: 'member' });
    const owners = await rejection(
      joinAsSignedIn(invitation.code, { id: owner.userId!, email: 'olivia@studio.test' }),
    );
    expect(owners.status).toBe(403);
    expect(owners.message).toMatch(/This invitation is for vi@studio.test/);
    await joinAsSignedIn(invitation.code, { id: viId(), email: 'vi@studio.test' });
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
