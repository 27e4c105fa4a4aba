/** A person's role in a team; API tokens act as a member (write) or a viewer (read). */
export type Role = 'owner' | 'admin' | 'member' | 'viewer';

/** What a request needs: to read the team's work, to change it, or to manage the team itself. */
export type Need = 'read' | 'write' | 'manage';

export const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const NEEDED: Record<Need, number> = { read: 0, write: 1, manage: 2 };

export function isAllowed(role: Role, need: Need): boolean {
  return RANK[role] >= NEEDED[need];
}

/** The role with fewer rights of the two. */
export const lesserRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

export const canWrite = (role: Role) => isAllowed(role, 'write');
export const canManage = (role: Role) => isAllowed(role, 'manage');

/** Owners and admins delete anything; members what they created; viewers nothing. */
export const canDelete = (role: Role, userId: string | null, createdById: string | null) =>
  isAllowed(role, 'manage') ||
  (isAllowed(role, 'write') && userId !== null && userId === createdById);

export const ROLE_HELP: Record<Role, string> = {
  owner: 'Everything, including managing members, invitations and API tokens.',
  admin: 'Like the owner: manages members, invitations and API tokens.',
  member: 'Creates datasets and runs, uploads backbones, cancels runs, deletes what they created.',
  viewer: 'Reads everything; changes nothing.',
};
