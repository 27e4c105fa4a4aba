import 'server-only';
import { runConfig, runSeconds, type TimedStage } from '@studio/shared';
import type { Prisma } from '@studio/db';
import { formatStageCall } from '@/components/runs/format';
import { listParam, type HistoryFilters } from '@/components/runs/history-query';
import type { Access } from './access';
import { isUuid } from './http';
import { db } from './db';
import { errorEvidence, type ErrorEvidence, type ModelPredictions } from './error-evidence';

/** Points of smoothed batch loss per run on the compare chart; more only slows the browser. */
export const MAX_BATCH_POINTS = 500;

/** "fit×2 · save · lr_find · unfreeze": each kind once, in the order the plan first uses it. */
export function summarizeStages(kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) {
    const short = kind === 'fit_one_cycle' ? 'fit' : kind;
    counts.set(short, (counts.get(short) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind}×${n}` : kind)).join(' · ');
}

/** The worker's time on the run's stages (one definition, `runSeconds`); ticking while active. */
export function runDuration(run: { status: string; stages: TimedStage[] }, now = new Date()) {
  const isActive = run.status === 'running' || run.status === 'queued';
  return { durationS: runSeconds(run.stages, now), isActive };
}

export type RunHistory = Awaited<ReturnType<typeof listRunHistory>>;
export type HistoryRun = RunHistory['runs'][number];

/** Every run of the team matching the filters, with what the history table and its filters need. */
export async function listRunHistory(access: Access, filters: HistoryFilters) {
  const team = { teamId: access.teamId };
  const where: Prisma.RunWhereInput = {
    ...team,
    archivedAt: filters.archived ? { not: null } : null,
  };
  // A dataset id that is not a uuid names no dataset: the filter matches nothing.
  if (filters.dataset)
    where.version = isUuid(filters.dataset) ? { datasetId: filters.dataset } : { id: { in: [] } };
  if (filters.arch) where.arch = filters.arch;
  if (filters.status.length) where.status = { in: filters.status };
  if (filters.person) where.createdById = filters.person;
  if (filters.tag) where.tags = { has: filters.tag };
  const orderBy: Prisma.RunOrderByWithRelationInput[] =
    filters.sort === 'error'
      ? [{ finalErrorRate: { sort: filters.dir, nulls: 'last' } }, { createdAt: 'desc' }]
      : [{ createdAt: filters.dir }];
  const [runs, totalRuns, datasets, archs, versionCount, people, tags] = await Promise.all([
    db().run.findMany({
      where,
      orderBy,
      select: {
        id: true,
        name: true,
        arch: true,
        status: true,
        bestErrorRate: true,
        finalErrorRate: true,
        createdAt: true,
        tags: true,
        createdBy: { select: { id: true, name: true } },
        version: { select: { number: true, dataset: { select: { id: true, name: true } } } },
        stages: {
          orderBy: { index: 'asc' },
          select: {
            kind: true,
            status: true,
            startedAt: true,
            finishedAt: true,
            priorAttemptSeconds: true,
          },
        },
      },
    }),
    db().run.count({ where: team }),
    db().dataset.findMany({
      where: { ...team, versions: { some: { runs: { some: team } } } },
      orderBy: { name: 'asc' },
      select: { id: true, name: true },
    }),
    db().run.findMany({
      where: team,
      distinct: ['arch'],
      orderBy: { arch: 'asc' },
      select: { arch: true },
    }),
    db().datasetVersion.count({ where: { dataset: team } }),
    db().user.findMany({
      where: { runs: { some: team } },
      orderBy: { name: 'asc' },
      select: { id: true, name: true },
    }),
    db().$queryRaw<{ tag: string }[]>`
      SELECT DISTINCT unnest(tags) AS tag FROM "Run" WHERE "teamId" = ${access.teamId}::uuid ORDER BY 1`,
  ]);
  const now = new Date();
  return {
    runs: runs.map((r) => ({
      id: r.id,
      name: r.name,
      arch: r.arch,
      status: r.status as string,
      bestErrorRate: r.bestErrorRate,
      finalErrorRate: r.finalErrorRate,
      dataset: r.version.dataset,
      versionNumber: r.version.number,
      createdBy: r.createdBy,
      tags: r.tags,
      stages: {
        count: r.stages.length,
        done: r.stages.filter((s) => s.status === 'done').length,
        summary: summarizeStages(r.stages.map((s) => s.kind)),
      },
      createdAt: r.createdAt.toISOString(),
      ...runDuration(r, now),
    })),
    totalRuns,
    datasets,
    archs: archs.map((a) => a.arch),
    people,
    tags: tags.map((t) => t.tag),
    hasVersions: versionCount > 0,
  };
}

/** The run ids of a compare link (`?ids=a,b,c`), each once, in the order given. */
export function parseCompareIds(value: string | string[] | undefined): string[] {
  return [...new Set(listParam(value))];
}

/** A config as one level of dotted keys: `augment.maxRotate`, lists written out. */
export function flattenConfig(value: unknown, prefix = ''): [string, string][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, v]) =>
      flattenConfig(v, prefix ? `${prefix}.${key}` : key),
    );
  }
  const text = Array.isArray(value) ? value.map(String).join(', ') : String(value);
  return [[prefix, text]];
}

const CONFIG_ORDER = flattenConfig(runConfig.parse({})).map(([key]) => key);

export interface DiffRow {
  key: string;
  values: (string | null)[];
  isDifferent: boolean;
}

interface DiffInput {
  arch: string;
  dataset: string;
  config: unknown;
  plan: { kind: string; params: Record<string, unknown> }[];
}

/**
 * One row per setting any of the runs has (architecture, dataset version, every config key in
 * the schema's order, then each stage of the plan as the lesson's code line), flagged when the
 * runs disagree; a missing value is null.
 */
export function diffConfigs(runs: DiffInput[]): DiffRow[] {
  const columns = runs.map(
    (run) =>
      new Map<string, string>([
        ['arch', run.arch],
        ['dataset version', run.dataset],
        ...flattenConfig(run.config),
        ...run.plan.map((s, i): [string, string] => [
          `stage ${i + 1}`,
          formatStageCall(s.kind, s.params),
        ]),
      ]),
  );
  const rank = (key: string) => {
    if (key === 'arch') return -2;
    if (key === 'dataset version') return -1;
    if (key.startsWith('stage ')) return 2000 + Number(key.slice(6));
    const i = CONFIG_ORDER.indexOf(key);
    return i === -1 ? 1000 : i;
  };
  const keys = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  return keys.map((key) => {
    const values = columns.map((c) => c.get(key) ?? null);
    return { key, values, isDifferent: new Set(values).size > 1 };
  });
}

export interface ComparedRun {
  id: string;
  name: string;
  status: string;
  arch: string;
  dataset: { id: string; name: string };
  versionNumber: number;
  bestErrorRate: number | null;
  finalErrorRate: number | null;
  /** Seconds the worker spent in the run's stages (queue waits left out). */
  trainingS: number;
  /** Its model's errors image by image (null until a fit stage has an interpretation). */
  evidence: ErrorEvidence | null;
  /** Numbered 1, 2, … across all fit stages of the run; `stage` is the stage's position. */
  epochs: {
    epoch: number;
    stage: number;
    trainLoss: number;
    validLoss: number;
    errorRate: number;
  }[];
  batches: { x: number; smoothLoss: number }[];
}

export interface RunComparison {
  missing: string[];
  runs: ComparedRun[];
  diff: DiffRow[];
}

/**
 * The runs side by side: their config diff, their epochs numbered continuously across the fit
 * stages, and their smoothed batch loss thinned to at most MAX_BATCH_POINTS points each.
 * Ids that name no run come back in `missing`.
 */
export async function compareRuns(access: Access, ids: string[]): Promise<RunComparison> {
  const valid = ids.filter(isUuid);
  const [runs, batches] = await Promise.all([
    db().run.findMany({
      where: { id: { in: valid }, teamId: access.teamId },
      include: {
        version: { select: { number: true, dataset: { select: { id: true, name: true } } } },
        stages: {
          orderBy: { index: 'asc' },
          select: {
            kind: true,
            params: true,
            status: true,
            startedAt: true,
            finishedAt: true,
            priorAttemptSeconds: true,
            epochs: { orderBy: { epoch: 'asc' } },
            interpretation: { select: { fileIds: true, targets: true, preds: true } },
          },
        },
      },
    }),
    thinnedBatchLoss(access, valid),
  ]);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) return { missing, runs: [], diff: [] };
  const now = new Date();
  const ordered = ids.map((id) => byId.get(id)!);
  // The run's model is its last interpreted stage's, as finalErrorRate is.
  const models = ordered.flatMap((run): ModelPredictions[] => {
    const last = run.stages.findLast((stage) => stage.interpretation)?.interpretation;
    return last ? [{ runId: run.id, versionId: run.versionId, ...last }] : [];
  });
  const evidence = errorEvidence(models);
  const compared = ordered.map((run): ComparedRun => {
    let epoch = 0;
    const epochs = run.stages.flatMap((stage, position) =>
      stage.epochs.map((e) => ({
        epoch: ++epoch,
        stage: position + 1,
        trainLoss: e.trainLoss,
        validLoss: e.validLoss,
        errorRate: e.errorRate,
      })),
    );
    const trainingS = runSeconds(run.stages, now) ?? 0;
    return {
      id: run.id,
      name: run.name,
      status: run.status as string,
      arch: run.arch,
      dataset: run.version.dataset,
      versionNumber: run.version.number,
      bestErrorRate: epochs.length ? Math.min(...epochs.map((e) => e.errorRate)) : null,
      // The run's model (a stage that restored its best epoch holds that one's weights).
      finalErrorRate: run.finalErrorRate ?? epochs.at(-1)?.errorRate ?? null,
      trainingS,
      evidence: evidence.get(run.id) ?? null,
      epochs,
      batches: batches.get(run.id) ?? [],
    };
  });
  const diff = diffConfigs(
    ordered.map((run) => ({
      arch: run.arch,
      dataset: `${run.version.dataset.name} v${run.version.number}`,
      config: run.config,
      plan: run.stages.map((s) => ({ kind: s.kind, params: s.params as Record<string, unknown> })),
    })),
  );
  return { missing: [], runs: compared, diff };
}

/**
 * Smoothed loss of every fit batch of each run, numbered continuously across its fit stages,
 * thinned in Postgres to at most MAX_BATCH_POINTS evenly spaced batches (first and last kept):
 * batch x is kept when it is round(k·(n−1)/(m−1)) for some k, tested in integer arithmetic.
 */
async function thinnedBatchLoss(access: Access, runIds: string[]) {
  const byRun = new Map<string, { x: number; smoothLoss: number }[]>();
  if (runIds.length === 0) return byRun;
  const m = MAX_BATCH_POINTS;
  const rows = await db().$queryRaw<{ runId: string; x: number; smoothLoss: number }[]>`
    WITH numbered AS (
      SELECT s."runId", b."smoothLoss",
        row_number() OVER (PARTITION BY s."runId" ORDER BY s."index", b."iteration") - 1 AS x,
        count(*) OVER (PARTITION BY s."runId") AS n
      FROM "BatchMetric" b JOIN "Stage" s ON s."id" = b."stageId" JOIN "Run" r ON r."id" = s."runId"
      WHERE s."runId" = ANY(${runIds}::uuid[]) AND r."teamId" = ${access.teamId}::uuid
        AND s."kind" = 'fit_one_cycle'
    )
    SELECT "runId"::text AS "runId", x::int AS x, "smoothLoss" FROM numbered
    WHERE CASE WHEN n <= ${m}::bigint THEN true ELSE
      x = (2 * ((2 * x * (${m}::bigint - 1) + n - 1) / (2 * (n - 1))) * (n - 1) + ${m}::bigint - 1)
        / (2 * (${m}::bigint - 1))
    END
    ORDER BY "runId", x`;
  for (const row of rows) {
    const list = byRun.get(row.runId) ?? [];
    list.push({ x: row.x, smoothLoss: row.smoothLoss });
    byRun.set(row.runId, list);
  }
  return byRun;
}
