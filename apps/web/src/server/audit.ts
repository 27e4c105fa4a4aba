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
  /** "created the run", "revoked the token": the action as a person says it. */
  verb: string;
  /** What was acted on, by name, with its page when it has one. */
  target: { kind: string; name: string; href: string | null };
  /** The detail as "label: value" pairs, ids replaced by names. */
  detail: { label: string; value: string }[];
  actor: { user: string | null; token: string | null };
}

const VERBS: Record<string, string> = {
  'backbone.create': 'uploaded the backbone',
  'backbone.delete': 'deleted the backbone',
  'dataset.create': 'created the dataset',
  'import.create': 'imported into the dataset',
  'invitation.create': 'invited',
  'invitation.revoke': 'withdrew the invitation of',
  'member.remove': 'removed from the team',
  'member.role': 'changed the role of',
  'run.cancel': 'cancelled the run',
  'run.create': 'created the run',
  'run.launch': 'launched stages of the run',
  'run.update': 'edited notes or tags of the run',
  'stage.create': 'added stages to the run',
  'stage.delete': 'removed a stage of the run',
  'stage.retry': 'retried a stage of the run',
  'team.create': 'created the team',
  'token.create': 'created the API token',
  'token.revoke': 'revoked the API token',
  'version.create': 'saved a version of the dataset',
};

/** Names of the rows audit events point at, looked up once per page of events. */
async function namesOf(rows: { targetType: string; targetId: string | null; detail: unknown }[]) {
  const ids = (type: string) => [
    ...new Set(rows.filter((r) => r.targetType === type && r.targetId).map((r) => r.targetId!)),
  ];
  const detailRunIds = rows.flatMap((r) => {
    const runId = (r.detail as { runId?: unknown } | null)?.runId;
    return typeof runId === 'string' ? [runId] : [];
  });
  const uuids = (list: string[]) => list.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const [datasets, runs, stages, backbones, tokens, invitations, users] = await Promise.all([
    db().dataset.findMany({
      where: { id: { in: uuids(ids('dataset')) } },
      select: { id: true, name: true },
    }),
    db().run.findMany({
      where: { id: { in: uuids([...ids('run'), ...detailRunIds]) } },
      select: { id: true, name: true },
    }),
    db().stage.findMany({
      where: { id: { in: uuids(ids('stage')) } },
      select: { id: true, index: true, kind: true, run: { select: { id: true, name: true } } },
    }),
    db().uploadedBackbone.findMany({
      where: { id: { in: uuids(ids('backbone')) } },
      select: { id: true, name: true },
    }),
    db().apiToken.findMany({
      where: { id: { in: uuids(ids('token')) } },
      select: { id: true, name: true },
    }),
    db().invitation.findMany({
      where: { id: { in: uuids(ids('invitation')) } },
      select: { id: true, email: true },
    }),
    db().user.findMany({ where: { id: { in: ids('member') } }, select: { id: true, name: true } }),
  ]);
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
  return {
    datasets: byId(datasets),
    runs: byId(runs),
    stages: byId(stages),
    backbones: byId(backbones),
    tokens: byId(tokens),
    invitations: byId(invitations),
    users: byId(users),
  };
}

type Names = Awaited<ReturnType<typeof namesOf>>;

function targetOf(
  row: { targetType: string; targetId: string | null; detail: unknown },
  names: Names,
): AuditEntry['target'] {
  const id = row.targetId ?? '';
  const detailName = (row.detail as { name?: unknown } | null)?.name;
  const gone = typeof detailName === 'string' ? `${detailName} (deleted)` : 'deleted';
  switch (row.targetType) {
    case 'dataset': {
      const d = names.datasets.get(id);
      return { kind: 'dataset', name: d?.name ?? gone, href: d ? `/datasets/${id}` : null };
    }
    case 'run': {
      const r = names.runs.get(id);
      return { kind: 'run', name: r?.name ?? gone, href: r ? `/runs/${id}` : null };
    }
    case 'stage': {
      const st = names.stages.get(id);
      if (st)
        return {
          kind: 'stage',
          name: `stage ${st.index + 1} (${st.kind}) of ${st.run.name}`,
          href: `/runs/${st.run.id}`,
        };
      const runId = (row.detail as { runId?: unknown } | null)?.runId;
      const r = typeof runId === 'string' ? names.runs.get(runId) : undefined;
      return r
        ? { kind: 'stage', name: `a stage of ${r.name}`, href: `/runs/${r.id}` }
        : { kind: 'stage', name: 'deleted', href: null };
    }
    case 'team':
      return {
        kind: 'team',
        name: typeof detailName === 'string' ? detailName : 'the team',
        href: '/team',
      };
    case 'backbone':
      return { kind: 'backbone', name: names.backbones.get(id)?.name ?? gone, href: '/backbones' };
    case 'token':
      return { kind: 'API token', name: names.tokens.get(id)?.name ?? gone, href: '/team' };
    case 'invitation':
      return { kind: 'invitation', name: names.invitations.get(id)?.email ?? gone, href: '/team' };
    case 'member':
      return {
        kind: 'member',
        name: names.users.get(id)?.name ?? 'a former member',
        href: '/team',
      };
    default:
      return { kind: row.targetType, name: gone, href: null };
  }
}

/** The detail without what the target already says, ids named, lists joined. */
function detailOf(detail: unknown, names: Names): AuditEntry['detail'] {
  if (!detail || typeof detail !== 'object') return [];
  return Object.entries(detail as Record<string, unknown>)
    .filter(([key]) => key !== 'name')
    .map(([key, value]) => {
      const label = key.replace(/([A-Z])/g, ' $1').toLowerCase();
      if (key === 'runId' && typeof value === 'string')
        return { label: 'run', value: names.runs.get(value)?.name ?? 'deleted' };
      if (key.endsWith('Id') && typeof value === 'string')
        return { label: label.replace(/ id$/, ''), value: 'recorded' };
      const text = Array.isArray(value)
        ? value.join(', ')
        : value !== null && typeof value === 'object'
          ? Object.entries(value)
              .map(([k, v]) => `${k} ${String(v)}`)
              .join(', ')
          : String(value);
      return { label, value: text };
    });
}

/** The team's audit trail, newest first: people, names and links rather than ids. */
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
  const names = await namesOf(rows);
  return rows.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    verb: VERBS[e.action] ?? e.action,
    target: targetOf(e, names),
    detail: detailOf(e.detail, names),
    actor: { user: e.actorUser?.name ?? null, token: e.actorToken?.name ?? null },
  }));
}
