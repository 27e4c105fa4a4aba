import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LESSON_PLAN, runConfig, type StageSpec } from '@studio/shared';
import type { Prisma } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { historyHref, parseHistoryQuery } from '@/components/runs/history-query';
import {
  compareRuns,
  listRunHistory,
  MAX_BATCH_POINTS,
  parseCompareIds,
  summarizeStages,
} from './history';
import type { Access } from './access';
import { db } from './db';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let database: TestDatabase;
const ids = { a: '', b: '', c: '', d: '', sign: '', pets: '', other: '', ada: '', grace: '' };
let access: Access;
let otherTeam: Access;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

async function createVersion(name: string, teamId = access.teamId) {
  const dataset = await database.db.dataset.create({
    data: { name, sourceKind: 'folder', status: 'ready', teamId },
  });
  const version = await database.db.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      number: 1,
      labelling: { scheme: 'folder' },
      split: { kind: 'random', validPct: 0.2, seed: 42 },
      classes: ['a', 'b'],
      counts: { train: { a: 40, b: 40 }, valid: { a: 10, b: 10 } },
    },
  });
  return { datasetId: dataset.id, versionId: version.id };
}

interface StageSeed {
  spec: StageSpec;
  status?: 'pending' | 'running' | 'done' | 'failed';
  startedAt?: Date;
  finishedAt?: Date;
  errorRates?: number[];
  batches?: number;
}

/** A run with its stages, epoch rows and batch rows written straight to Postgres. */
async function createRun(input: {
  name: string;
  versionId: string;
  arch: string;
  status: 'draft' | 'queued' | 'running' | 'done' | 'failed';
  config?: Record<string, unknown>;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  stages?: StageSeed[];
  createdById?: string;
  tags?: string[];
  teamId?: string;
}) {
  const stages = input.stages ?? [];
  const errorRates = stages.flatMap((s) => s.errorRates ?? []);
  const run = await database.db.run.create({
    data: {
      name: input.name,
      versionId: input.versionId,
      arch: input.arch,
      status: input.status,
      config: runConfig.parse(input.config ?? {}) as Prisma.InputJsonValue,
      createdAt: input.createdAt,
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
      bestErrorRate: errorRates.length ? Math.min(...errorRates) : null,
      finalErrorRate: errorRates.at(-1) ?? null,
      teamId: input.teamId ?? access.teamId,
      createdById: input.createdById,
      tags: input.tags,
    },
  });
  for (const [index, seed] of stages.entries()) {
    const { kind, ...params } = seed.spec;
    const stage = await database.db.stage.create({
      data: {
        runId: run.id,
        index,
        kind,
        params: params as Prisma.InputJsonValue,
        status: seed.status ?? 'done',
        startedAt: seed.startedAt,
        finishedAt: seed.finishedAt,
      },
    });
    await database.db.epochMetric.createMany({
      data: (seed.errorRates ?? []).map((errorRate, epoch) => ({
        stageId: stage.id,
        epoch,
        trainLoss: 1 - epoch / 10,
        validLoss: 1.1 - epoch / 10,
        errorRate,
        accuracy: 1 - errorRate,
        seconds: 30,
      })),
    });
    await database.db.batchMetric.createMany({
      data: Array.from({ length: seed.batches ?? 0 }, (_, iteration) => ({
        stageId: stage.id,
        iteration,
        epoch: 0,
        loss: 2 / (1 + iteration),
        smoothLoss: 2 / (1 + iteration) + index,
        lr: 1e-3,
        mom: 0.9,
      })),
    });
  }
  return run.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  const [team, other] = await Promise.all([
    database.db.team.create({ data: { name: 'lesson one' } }),
    database.db.team.create({ data: { name: 'another lab' } }),
  ]);
  const person = (name: string) =>
    database.db.user.create({ data: { id: name, name, email: `${name}@studio.test` } });
  ids.ada = (await person('Ada')).id;
  ids.grace = (await person('Grace')).id;
  access = { teamId: team.id, role: 'viewer', userId: ids.ada, tokenId: null };
  otherTeam = { teamId: other.id, role: 'owner', userId: ids.grace, tokenId: null };
  const sign = await createVersion('sign language');
  const pets = await createVersion('pets');
  ids.sign = sign.datasetId;
  ids.pets = pets.datasetId;
  const [fit4, save, lrFind, unfreeze, fit2] = LESSON_PLAN as [StageSpec, ...StageSpec[]];
  // The lesson's plan, finished: 4 frozen epochs (700 batches), then 2 unfrozen (350 batches).
  ids.a = await createRun({
    name: 'lesson resnet34',
    versionId: sign.versionId,
    arch: 'resnet34',
    status: 'done',
    createdById: ids.ada,
    tags: ['baseline', 'lesson'],
    createdAt: minutesAgo(60),
    startedAt: minutesAgo(50),
    finishedAt: minutesAgo(40),
    stages: [
      {
        spec: fit4,
        startedAt: minutesAgo(50),
        finishedAt: minutesAgo(45),
        errorRates: [0.3, 0.2, 0.15, 0.12],
        batches: 700,
      },
      { spec: save! },
      { spec: lrFind!, startedAt: minutesAgo(45), finishedAt: minutesAgo(44), batches: 100 },
      { spec: unfreeze! },
      {
        spec: fit2!,
        startedAt: minutesAgo(44),
        finishedAt: minutesAgo(41),
        errorRates: [0.1, 0.11],
        batches: 350,
      },
    ],
  });
  ids.b = await createRun({
    name: 'small batch resnet18',
    versionId: sign.versionId,
    arch: 'resnet18',
    status: 'failed',
    createdById: ids.ada,
    config: { bs: 32 },
    createdAt: minutesAgo(30),
    startedAt: minutesAgo(29),
    finishedAt: minutesAgo(28),
    stages: [
      {
        spec: { kind: 'fit_one_cycle', epochs: 3, maxLr: 3e-3 },
        status: 'failed',
        startedAt: minutesAgo(29),
        finishedAt: minutesAgo(28),
        errorRates: [0.4, 0.25],
        batches: MAX_BATCH_POINTS + 1,
      },
    ],
  });
  ids.c = await createRun({
    name: 'pets live',
    versionId: pets.versionId,
    arch: 'resnet34',
    status: 'running',
    createdById: ids.grace,
    tags: ['lesson'],
    createdAt: minutesAgo(10),
    startedAt: new Date(Date.now() - 90_000),
    stages: [
      {
        spec: { kind: 'fit_one_cycle', epochs: 4, maxLr: 3e-3 },
        status: 'running',
        startedAt: new Date(Date.now() - 90_000),
        batches: MAX_BATCH_POINTS,
      },
    ],
  });
  ids.d = await createRun({
    name: 'pets draft',
    versionId: pets.versionId,
    arch: 'mobilenet_v2_0.35',
    status: 'draft',
    createdAt: minutesAgo(5),
  });
  // Another team's run on its own dataset: never visible to the first team.
  const theirs = await createVersion('their photos', other.id);
  ids.other = await createRun({
    name: 'their secret run',
    versionId: theirs.versionId,
    arch: 'resnet50',
    status: 'done',
    createdById: ids.grace,
    tags: ['theirs'],
    teamId: other.id,
    createdAt: minutesAgo(1),
  });
}, 120_000);

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

const names = async (query: Record<string, string>) =>
  (await listRunHistory(access, parseHistoryQuery(query))).runs.map((r) => r.name);

describe('run history', () => {
  it('lists every run newest first with its dataset, stages, error rate and the filter options', async () => {
    const history = await listRunHistory(access, parseHistoryQuery({}));
    expect(history.runs.map((r) => r.id)).toEqual([ids.d, ids.c, ids.b, ids.a]);
    expect(history.totalRuns).toBe(4);
    expect(history.hasVersions).toBe(true);
    expect(history.datasets.map((d) => d.name)).toEqual(['pets', 'sign language']);
    expect(history.archs).toEqual(['mobilenet_v2_0.35', 'resnet18', 'resnet34']);
    const lesson = history.runs.find((r) => r.id === ids.a)!;
    expect(lesson).toMatchObject({
      dataset: { id: ids.sign, name: 'sign language' },
      versionNumber: 1,
      bestErrorRate: 0.1,
      finalErrorRate: 0.11,
      stages: { count: 5, done: 5, summary: 'fit×2 · save · lr_find · unfreeze' },
    });
    expect(history.runs.find((r) => r.id === ids.d)!.stages).toEqual({
      count: 0,
      done: 0,
      summary: '',
    });
  });

  it('shows who started each run and filters by person and by tag', async () => {
    const history = await listRunHistory(access, parseHistoryQuery({}));
    expect(history.people).toEqual([
      { id: ids.ada, name: 'Ada' },
      { id: ids.grace, name: 'Grace' },
    ]);
    expect(history.tags).toEqual(['baseline', 'lesson']);
    expect(history.runs.find((r) => r.id === ids.a)).toMatchObject({
      createdBy: { id: ids.ada, name: 'Ada' },
      tags: ['baseline', 'lesson'],
    });
    expect(await names({ person: ids.ada })).toEqual(['small batch resnet18', 'lesson resnet34']);
    expect(await names({ tag: 'lesson' })).toEqual(['pets live', 'lesson resnet34']);
    expect(await names({ person: ids.grace, tag: 'lesson' })).toEqual(['pets live']);
    expect(await names({ tag: 'theirs' })).toEqual([]);
    expect(historyHref(parseHistoryQuery({ person: ids.ada, tag: 'lesson' }))).toBe(
      `/runs?person=${ids.ada}&tag=lesson`,
    );
  });

  it("never shows another team's runs, datasets, people or tags", async () => {
    const mine = await listRunHistory(access, parseHistoryQuery({}));
    expect(mine.runs.map((r) => r.id)).not.toContain(ids.other);
    expect(JSON.stringify(mine)).not.toMatch(/their secret run|their photos|theirs|resnet50/);
    const theirs = await listRunHistory(otherTeam, parseHistoryQuery({}));
    expect(theirs.runs.map((r) => r.name)).toEqual(['their secret run']);
    expect(theirs.totalRuns).toBe(1);
    const compared = await compareRuns(access, [ids.a, ids.other]);
    expect(compared.missing).toEqual([ids.other]);
    expect(compared.runs).toEqual([]);
  });

  it('filters by dataset, architecture and status, alone and together', async () => {
    expect(await names({ dataset: ids.pets })).toEqual(['pets draft', 'pets live']);
    expect(await names({ arch: 'resnet34' })).toEqual(['pets live', 'lesson resnet34']);
    expect(await names({ status: 'done,failed' })).toEqual([
      'small batch resnet18',
      'lesson resnet34',
    ]);
    expect(await names({ dataset: ids.sign, arch: 'resnet18', status: 'failed' })).toEqual([
      'small batch resnet18',
    ]);
    expect(await names({ dataset: ids.sign, status: 'running' })).toEqual([]);
    const unknown = await listRunHistory(access, parseHistoryQuery({ dataset: 'not-a-dataset' }));
    expect(unknown.runs).toEqual([]);
    expect(unknown.totalRuns).toBe(4);
  });

  it('sorts by final error rate with unfinished runs last, either way round', async () => {
    expect(await names({ sort: 'error', dir: 'asc' })).toEqual([
      'lesson resnet34',
      'small batch resnet18',
      'pets draft',
      'pets live',
    ]);
    expect((await names({ sort: 'error', dir: 'desc' })).slice(0, 2)).toEqual([
      'small batch resnet18',
      'lesson resnet34',
    ]);
    expect(await names({ sort: 'created', dir: 'asc' })).toEqual([
      'lesson resnet34',
      'small batch resnet18',
      'pets live',
      'pets draft',
    ]);
  });

  it('gives a run the duration the compare page gives it: its stages, not the waits between', async () => {
    const { runs } = await listRunHistory(access, parseHistoryQuery({}));
    const byId = new Map(runs.map((r) => [r.id, r]));
    // Started 50 min ago, finished 40 min ago; its stages took 5 + 1 + 3 min.
    expect(byId.get(ids.a)!.durationS).toBeCloseTo(540, 0);
    const compared = await compareRuns(access, [ids.a, ids.c]);
    expect(compared.runs[0]!.trainingS).toBeCloseTo(byId.get(ids.a)!.durationS!, 0);
    expect(byId.get(ids.a)!.isActive).toBe(false);
    expect(byId.get(ids.c)!.durationS).toBeGreaterThanOrEqual(90);
    expect(byId.get(ids.c)!.durationS).toBeLessThan(150);
    expect(byId.get(ids.c)!.isActive).toBe(true);
    expect(byId.get(ids.d)!.durationS).toBeNull();
  });

  it('reads and writes the filters of a shared link, dropping what it cannot read', () => {
    const filters = parseHistoryQuery({ status: ['done,bogus', 'failed'], sort: 'x', arch: '' });
    expect(filters).toEqual({
      dataset: undefined,
      arch: undefined,
      status: ['done', 'failed'],
      sort: 'created',
      dir: 'desc',
      archived: false,
    });
    expect(historyHref(filters)).toBe('/runs?status=done%2Cfailed');
    const href = historyHref({
      ...filters,
      dataset: ids.sign,
      sort: 'error',
      dir: 'asc',
      archived: true,
    });
    expect(href).toMatch(/&archived=1$/);
    const query = Object.fromEntries(new URL(href, 'http://studio').searchParams);
    expect(parseHistoryQuery(query)).toEqual({
      ...filters,
      dataset: ids.sign,
      sort: 'error',
      dir: 'asc',
      archived: true,
    });
    expect(summarizeStages(['fit_one_cycle', 'unfreeze', 'fit_one_cycle', 'fit_one_cycle'])).toBe(
      'fit×3 · unfreeze',
    );
  });
});

describe('run comparison', () => {
  it('numbers epochs across the fit stages and sums up each run', async () => {
    const { missing, runs } = await compareRuns(access, [ids.a, ids.b, ids.c]);
    expect(missing).toEqual([]);
    expect(runs.map((r) => r.id)).toEqual([ids.a, ids.b, ids.c]);
    const [lesson, small, live] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(lesson.epochs.map((e) => [e.epoch, e.stage, e.errorRate])).toEqual([
      [1, 1, 0.3],
      [2, 1, 0.2],
      [3, 1, 0.15],
      [4, 1, 0.12],
      [5, 5, 0.1],
      [6, 5, 0.11],
    ]);
    expect(lesson.bestErrorRate).toBe(0.1);
    expect(lesson.finalErrorRate).toBe(0.11);
    // Fit 5 min + lr_find 1 min + fit 3 min; the unfreeze and save stages took no recorded time.
    expect(lesson.trainingS).toBeCloseTo(540, 0);
    expect(small.bestErrorRate).toBe(0.25);
    expect(live.epochs).toEqual([]);
    expect(live.finalErrorRate).toBeNull();
    expect(live.trainingS).toBeGreaterThanOrEqual(90);
  });

  it("judges each model image by image against its dataset version's fewest-wrong run", async () => {
    // 40 validation images; the lesson's model misses f0–f3, the small-batch model f2–f11.
    const fileIds = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const targets = fileIds.map((_, i) => i % 2);
    const interpret = async (runId: string, index: number, wrong: (i: number) => boolean) => {
      const stage = await database.db.stage.findUniqueOrThrow({
        where: { runId_index: { runId, index } },
      });
      const preds = targets.map((t, i) => (wrong(i) ? 1 - t : t));
      await database.db.stageInterpretation.create({
        data: {
          stageId: stage.id,
          classes: ['a', 'b'],
          // Listed in another order than the other run's: pairs go by file, not position.
          fileIds: index === 0 ? [...fileIds].reverse() : fileIds,
          targets: index === 0 ? [...targets].reverse() : targets,
          preds: index === 0 ? [...preds].reverse() : preds,
          losses: preds.map(() => 0.1),
          probs: Buffer.alloc(40 * 2 * 4),
          confusion: [],
          perClass: [],
          errorRate: preds.filter((p, i) => p !== targets[i]).length / 40,
        },
      });
    };
    await interpret(ids.a, 0, () => true);
    await interpret(ids.a, 4, (i) => i < 4);
    await interpret(ids.b, 0, (i) => i >= 2 && i < 12);
    const { runs } = await compareRuns(access, [ids.b, ids.a, ids.c]);
    const [small, lesson, live] = runs.map((r) => r.evidence);
    // The lesson's model is its last interpreted stage's (4 wrong), not stage 1's (40 wrong).
    expect(lesson).toMatchObject({ wrong: 4, images: 40, isLowest: true, versus: null });
    expect(lesson!.interval[0]).toBeLessThan(0.1);
    expect(lesson!.interval[1]).toBeGreaterThan(0.1);
    // 8 images only the small model misses, 2 only the lesson's: 2 · (1 + 10 + 45) / 2¹⁰.
    expect(small).toMatchObject({
      wrong: 10,
      isLowest: false,
      versus: { runId: ids.a, onlyThisWrong: 8, onlyOtherWrong: 2 },
    });
    expect(small!.versus!.p).toBeCloseTo(112 / 1024, 12);
    // A run on another dataset version with no interpreted stage has nothing to judge.
    expect(live).toBeNull();
  });

  it('thins each run to at most the point budget, evenly, keeping the first and last batch', async () => {
    const { runs } = await compareRuns(access, [ids.a, ids.b, ids.c]);
    const [lesson, small, live] = runs.map((r) => r.batches) as [
      { x: number; smoothLoss: number }[],
      { x: number; smoothLoss: number }[],
      { x: number; smoothLoss: number }[],
    ];
    // 700 + 350 fit batches (the finder's 100 are not training): 1,050 thinned to 500.
    expect(lesson).toHaveLength(MAX_BATCH_POINTS);
    expect(lesson[0]).toEqual({ x: 0, smoothLoss: 2 });
    expect(lesson.at(-1)!.x).toBe(1049);
    // The second fit stage continues the first one's numbering (its rows carry +4 from its index).
    expect(lesson.at(-1)!.smoothLoss).toBeCloseTo(2 / 350 + 4, 9);
    const gaps = lesson.slice(1).map((p, i) => p.x - lesson[i]!.x);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    // One batch over the budget still fits it; at the budget nothing is dropped.
    expect(small).toHaveLength(MAX_BATCH_POINTS);
    expect([small[0]!.x, small.at(-1)!.x]).toEqual([0, MAX_BATCH_POINTS]);
    expect(live.map((p) => p.x)).toEqual(Array.from({ length: MAX_BATCH_POINTS }, (_, i) => i));
  });

  it('flags the settings and stages the runs disagree on', async () => {
    const { diff } = await compareRuns(access, [ids.a, ids.b]);
    const row = (key: string) => diff.find((r) => r.key === key)!;
    expect(diff.slice(0, 3).map((r) => r.key)).toEqual(['arch', 'dataset version', 'size']);
    expect(row('arch')).toEqual({
      key: 'arch',
      values: ['resnet34', 'resnet18'],
      isDifferent: true,
    });
    expect(row('dataset version')).toMatchObject({
      values: ['sign language v1', 'sign language v1'],
      isDifferent: false,
    });
    expect(row('bs')).toMatchObject({ values: ['64', '32'], isDifferent: true });
    expect(row('augment.maxRotate')).toMatchObject({ values: ['10', '10'], isDifferent: false });
    expect(row('metrics')).toMatchObject({ values: ['error_rate', 'error_rate'] });
    expect(row('stage 1')).toMatchObject({
      values: ['fit_one_cycle(4, max_lr=3e-3)', 'fit_one_cycle(3, max_lr=3e-3)'],
      isDifferent: true,
    });
    expect(row('stage 5')).toEqual({
      key: 'stage 5',
      values: ['fit_one_cycle(2, max_lr=slice(1e-6, 1e-4))', null],
      isDifferent: true,
    });
    expect(diff.filter((r) => r.isDifferent).map((r) => r.key)).toEqual([
      'arch',
      'bs',
      'stage 1',
      'stage 2',
      'stage 3',
      'stage 4',
      'stage 5',
    ]);
  });

  it('names every id that is not a run', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const result = await compareRuns(access, [ids.a, ghost, 'not-an-id']);
    expect(result.missing).toEqual([ghost, 'not-an-id']);
    expect(result.runs).toEqual([]);
    expect(parseCompareIds(`${ids.a}, ${ids.b},${ids.a},`)).toEqual([ids.a, ids.b]);
    expect(parseCompareIds(undefined)).toEqual([]);
  });
});
