import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { isAllowed, type Need } from '@/lib/roles';
import { cookieHeader, startStudio, type Person, type Studio } from './harness';

/**
 * Every route handler of the built studio, called by every kind of caller, against the status
 * each must get; and no answer to another team's token names anything of this team.
 */

type Actor = 'owner' | 'member' | 'viewer' | 'anonymous' | 'otherToken' | 'readToken';
const ACTORS: Actor[] = ['anonymous', 'otherToken', 'readToken', 'viewer', 'member', 'owner'];

let studio: Studio;
const people = {} as Record<'member' | 'viewer', Person>;
const tokens = { read: '', other: '' };
const fx = {
  datasetId: '',
  versionId: '',
  fileId: '',
  runId: '',
  stageId: '',
  importId: '',
  memberId: '',
  viewerId: '',
};

const db = () => studio.database.db;
const json = (body: unknown): RequestInit => ({
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

async function invite(
  email: string,
  role: 'admin' | 'member' | 'viewer',
  name: string,
): Promise<Person> {
  const created = await studio.api('/api/invitations', {
    method: 'POST',
    ...json({ email, role }),
  });
  expect(created.status).toBe(201);
  const { code } = (await created.json()) as { code: string };
  const password = `${role}-password-1`;
  const accepted = await studio.api(
    '/api/invitations/accept',
    { method: 'POST', ...json({ code, name, password }) },
    { email: '', password: '', cookie: '' },
  );
  expect(accepted.status).toBe(200);
  // The code works once.
  const again = await studio.api(
    '/api/invitations/accept',
    { method: 'POST', ...json({ code, name, password }) },
    { email: '', password: '', cookie: '' },
  );
  expect(again.status).toBe(410);
  return { email, password, cookie: cookieHeader(accepted) };
}

async function createToken(person: Person, scope: 'read' | 'write'): Promise<string> {
  const response = await studio.api(
    '/api/tokens',
    { method: 'POST', ...json({ name: `${scope} script`, scope }) },
    person,
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

/** The request an actor sends: a browser's cookie and Origin, or a script's bearer token. */
function send(actor: Actor, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (actor === 'otherToken' || actor === 'readToken') {
    headers.set('Authorization', `Bearer ${actor === 'readToken' ? tokens.read : tokens.other}`);
    return fetch(`${studio.url}${path}`, { ...init, headers });
  }
  headers.set('Origin', studio.url);
  const cookie =
    actor === 'owner' ? studio.owner.cookie : actor === 'anonymous' ? '' : people[actor].cookie;
  if (cookie) headers.set('Cookie', cookie);
  return fetch(`${studio.url}${path}`, { ...init, headers });
}

// Rows made straight in Postgres for routes that use their target up (delete, launch, retry).
const fresh = {
  async stage(status: 'pending' | 'failed') {
    const last = await db().stage.findFirst({
      where: { runId: fx.runId },
      orderBy: { index: 'desc' },
    });
    const stage = await db().stage.create({
      data: {
        runId: fx.runId,
        index: (last?.index ?? 0) + 1,
        kind: 'unfreeze',
        params: {},
        status,
      },
    });
    return stage.id;
  },
  async runWithPendingStage() {
    const run = await db().run.create({
      data: {
        name: 'to launch',
        versionId: fx.versionId,
        arch: 'mobilenet_v2_0.35',
        config: { bs: 2 },
        teamId: studio.teamId,
        stages: { create: { index: 0, kind: 'unfreeze', params: {} } },
      },
    });
    return run.id;
  },
  // Made by the member, so the member may delete them as well as the owner.
  async dataset() {
    const row = await db().dataset.create({
      data: {
        name: 'spare dataset',
        sourceKind: 'folder',
        status: 'ready',
        teamId: studio.teamId,
        createdById: fx.memberId,
      },
    });
    return row.id;
  },
  async version() {
    const datasetId = await fresh.dataset();
    const row = await db().datasetVersion.create({
      data: {
        datasetId,
        number: 1,
        labelling: { scheme: 'folder' },
        split: {},
        classes: ['0', '1'],
        counts: {},
      },
    });
    return `/api/datasets/${datasetId}/versions/${row.id}`;
  },
  async run() {
    const run = await db().run.create({
      data: {
        name: 'spare run',
        versionId: fx.versionId,
        arch: 'mobilenet_v2_0.35',
        config: { bs: 2 },
        teamId: studio.teamId,
        createdById: fx.memberId,
      },
    });
    return run.id;
  },
  async backbone() {
    const row = await db().uploadedBackbone.create({
      data: {
        name: 'spare backbone',
        files: [],
        bytes: 0n,
        inputShape: [224, 224, 3],
        normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
        cutLayer: 'out_relu',
        teamId: studio.teamId,
      },
    });
    return row.id;
  },
  async member() {
    const id = randomUUID();
    await db().user.create({ data: { id, name: 'Spare Person', email: `${id}@studio.test` } });
    await db().membership.create({ data: { teamId: studio.teamId, userId: id, role: 'viewer' } });
    return id;
  },
  async invitation() {
    const row = await db().invitation.create({
      data: {
        teamId: studio.teamId,
        email: `${randomUUID()}@studio.test`,
        role: 'viewer',
        tokenHash: randomBytes(32).toString('hex'),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    return row.id;
  },
  async token() {
    const row = await db().apiToken.create({
      data: {
        teamId: studio.teamId,
        name: 'spare token',
        scope: 'read',
        start: 'studio_spare',
        tokenHash: randomBytes(32).toString('hex'),
      },
    });
    return row.id;
  },
};

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path for one call; async when each call needs a target of its own. */
  path: () => string | Promise<string>;
  /** `person`: any signed-in person, never a token; `public`: no credentials needed. */
  need: Need | 'person' | 'public';
  ok: number;
  init?: () => RequestInit;
  /** Whether the path names a row of this team (so another team's token gets 404). */
  isTeamRow?: boolean;
}

// A whole 1×1 PNG: predictions check the image as imports do before asking for a worker.
const png = () => ({
  headers: { 'Content-Type': 'image/png' },
  body: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
});
const uploadForm = (name: string) => () => {
  const form = new FormData();
  form.append('files', new File([new Uint8Array([1, 2, 3])], name));
  form.set('name', 'not a model');
  return { body: form };
};

const ROUTES: Route[] = [
  { method: 'GET', path: () => '/api/health', need: 'public', ok: 503 },
  { method: 'GET', path: () => '/api/datasets', need: 'read', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/datasets',
    need: 'write',
    ok: 201,
    init: () => json({ sourceKind: 'folder', name: 'made by the matrix' }),
  },
  {
    method: 'GET',
    path: () => `/api/datasets/${fx.datasetId}/ls`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/datasets/${fx.datasetId}/preview`,
    need: 'write',
    ok: 200,
    init: () => json({ labelling: { scheme: 'folder' }, split: {} }),
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/datasets/${fx.datasetId}/versions`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/datasets/${fx.datasetId}/versions`,
    need: 'write',
    ok: 201,
    init: () => json({ labelling: { scheme: 'folder' }, split: {} }),
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/datasets/${fx.datasetId}/files`,
    need: 'write',
    ok: 200,
    init: uploadForm('notes/readme.txt'),
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/datasets/${fx.datasetId}/complete`,
    need: 'write',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/datasets/${fx.datasetId}/archive?filename=photos.zip`,
    need: 'write',
    ok: 202,
    init: () => ({ body: new Uint8Array([80, 75, 3, 4, ...new Array(26).fill(0)]) }),
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/datasets/${fx.datasetId}/deletion`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'PATCH',
    path: () => `/api/datasets/${fx.datasetId}`,
    need: 'write',
    ok: 200,
    init: () => json({ archived: false }),
    isTeamRow: true,
  },
  {
    method: 'DELETE',
    path: async () => `/api/datasets/${await fresh.dataset()}`,
    need: 'write',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'DELETE',
    path: () => fresh.version(),
    need: 'write',
    ok: 204,
    isTeamRow: true,
  },
  { method: 'GET', path: () => `/api/files/${fx.fileId}`, need: 'read', ok: 200, isTeamRow: true },
  {
    method: 'GET',
    path: () => `/api/imports/${fx.importId}`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/runs', need: 'read', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/runs',
    need: 'write',
    ok: 201,
    init: () =>
      json({
        versionId: fx.versionId,
        name: 'matrix run',
        arch: 'mobilenet_v2_0.35',
        config: { bs: 2 },
        stages: [],
        launch: false,
      }),
    isTeamRow: true,
  },
  { method: 'GET', path: () => `/api/runs/${fx.runId}`, need: 'read', ok: 200, isTeamRow: true },
  {
    method: 'PATCH',
    path: () => `/api/runs/${fx.runId}`,
    need: 'write',
    ok: 200,
    init: () => json({ notes: 'looked at the top losses', tags: ['matrix'] }),
    isTeamRow: true,
  },
  {
    method: 'PATCH',
    path: () => `/api/runs/${fx.runId}`,
    need: 'write',
    ok: 200,
    init: () => json({ archived: false }),
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/runs/${fx.runId}/deletion`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'DELETE',
    path: async () => `/api/runs/${await fresh.run()}`,
    need: 'write',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/runs/${fx.runId}/cancel`,
    need: 'write',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/runs/${fx.runId}/events`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: async () => `/api/runs/${await fresh.runWithPendingStage()}/launch`,
    need: 'write',
    ok: 200,
    init: () => json({ mode: 'next' }),
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/runs/${fx.runId}/stages`,
    need: 'write',
    ok: 201,
    init: () => json({ stages: [{ kind: 'unfreeze' }] }),
    isTeamRow: true,
  },
  {
    method: 'DELETE',
    path: async () => `/api/stages/${await fresh.stage('pending')}`,
    need: 'write',
    ok: 204,
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: async () => `/api/stages/${await fresh.stage('failed')}/retry`,
    need: 'write',
    ok: 200,
    init: () => json({}),
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/stages/${fx.stageId}/confusion.csv`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  {
    method: 'GET',
    path: () => `/api/stages/${fx.stageId}/export`,
    need: 'read',
    ok: 200,
    isTeamRow: true,
  },
  // Allowed callers get past the team check to "no worker answers predictions" (none runs here).
  {
    method: 'POST',
    path: () => `/api/stages/${fx.stageId}/predict`,
    need: 'read',
    ok: 503,
    init: png,
    isTeamRow: true,
  },
  // Each allowed call saves another corrected version of the run's version.
  {
    method: 'POST',
    path: () => `/api/stages/${fx.stageId}/corrections`,
    need: 'write',
    ok: 201,
    init: () => json({ corrections: [{ fileId: fx.fileId, action: 'exclude' }] }),
    isTeamRow: true,
  },
  {
    method: 'POST',
    path: () => `/api/runs/${fx.runId}/rerun`,
    need: 'write',
    ok: 201,
    init: () => json({ versionId: fx.versionId }),
    isTeamRow: true,
  },
  // Allowed callers get past the team check to "no worker prepares previews" (none runs here).
  {
    method: 'POST',
    path: () => `/api/versions/${fx.versionId}/preview`,
    need: 'read',
    ok: 503,
    init: () => json({ kind: 'batch' }),
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/backbones', need: 'read', ok: 200 },
  // Allowed callers reach the upload's own check: a model needs model.json.
  {
    method: 'POST',
    path: () => '/api/backbones',
    need: 'write',
    ok: 400,
    init: uploadForm('weights.bin'),
  },
  {
    method: 'DELETE',
    path: async () => `/api/backbones/${await fresh.backbone()}`,
    need: 'write',
    ok: 204,
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/members', need: 'read', ok: 200 },
  {
    method: 'PATCH',
    path: async () => `/api/members/${await fresh.member()}`,
    need: 'manage',
    ok: 200,
    init: () => json({ role: 'member' }),
    isTeamRow: true,
  },
  {
    method: 'DELETE',
    path: async () => `/api/members/${await fresh.member()}`,
    need: 'manage',
    ok: 204,
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/invitations', need: 'manage', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/invitations',
    need: 'manage',
    ok: 201,
    init: () => json({ email: `${randomUUID()}@studio.test`, role: 'viewer' }),
  },
  {
    method: 'DELETE',
    path: async () => `/api/invitations/${await fresh.invitation()}`,
    need: 'manage',
    ok: 204,
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/tokens', need: 'manage', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/tokens',
    need: 'manage',
    ok: 201,
    init: () => json({ name: 'matrix', scope: 'read' }),
  },
  {
    method: 'DELETE',
    path: async () => `/api/tokens/${await fresh.token()}`,
    need: 'manage',
    ok: 204,
    isTeamRow: true,
  },
  { method: 'GET', path: () => '/api/audit', need: 'manage', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/team/active',
    need: 'person',
    ok: 200,
    init: () => json({ teamId: studio.teamId }),
  },
];

function expectedStatus(route: Route, actor: Actor): number {
  if (route.need === 'public') return route.ok;
  if (actor === 'anonymous') return 401;
  const isToken = actor === 'otherToken' || actor === 'readToken';
  if (route.need === 'person') return isToken ? 403 : route.ok;
  if (isToken && route.need === 'manage') return 403;
  const role = actor === 'otherToken' ? 'member' : actor === 'readToken' ? 'viewer' : actor;
  if (!isAllowed(role, route.need)) return 403;
  return actor === 'otherToken' && route.isTeamRow ? 404 : route.ok;
}

beforeAll(async () => {
  studio = await startStudio({ withWorker: false });
  people.member = await invite('mo@studio.test', 'member', 'Mo Member');
  people.viewer = await invite('vi@studio.test', 'viewer', 'Vi Viewer');
  const ids = await db().user.findMany({ select: { id: true, email: true } });
  fx.memberId = ids.find((u) => u.email === 'mo@studio.test')!.id;
  fx.viewerId = ids.find((u) => u.email === 'vi@studio.test')!.id;
  fx.versionId = await seedSignLanguageVersion(db(), {
    classes: ['0', '1'],
    perClass: 4,
    teamId: studio.teamId,
  });
  const version = await db().datasetVersion.findUniqueOrThrow({ where: { id: fx.versionId } });
  fx.datasetId = version.datasetId;
  fx.fileId = (await db().datasetFile.findFirstOrThrow({ where: { datasetId: fx.datasetId } })).id;
  const run = await studio.api(
    '/api/runs',
    {
      method: 'POST',
      ...json({
        versionId: fx.versionId,
        name: 'members secret run',
        arch: 'mobilenet_v2_0.35',
        config: { bs: 2 },
        stages: [{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }],
        launch: false,
      }),
    },
    people.member,
  );
  expect(run.status).toBe(201);
  fx.runId = ((await run.json()) as { id: string }).id;
  fx.stageId = (await db().stage.findFirstOrThrow({ where: { runId: fx.runId } })).id;
  // A finished stage's results, as the worker stores them.
  await db().stage.update({ where: { id: fx.stageId }, data: { status: 'done' } });
  await db().stageInterpretation.create({
    data: {
      stageId: fx.stageId,
      classes: ['0', '1'],
      fileIds: [fx.fileId],
      targets: [0],
      preds: [0],
      losses: [0.1],
      probs: new Uint8Array(new Float32Array([0.9, 0.1]).buffer),
      confusion: [
        [1, 0],
        [0, 0],
      ],
      perClass: [],
      errorRate: 0,
    },
  });
  await db().stageExport.create({ data: { stageId: fx.stageId, files: [], bytes: 0n } });
  const remote = await studio.api('/api/datasets', {
    method: 'POST',
    ...json({ sourceKind: 'url', name: 'remote photos', url: 'http://photos.invalid/photos.zip' }),
  });
  fx.importId = ((await remote.json()) as { importId: string }).importId;
  tokens.read = await createToken(studio.owner, 'read');
  // Another team of the owner's, with a write token of its own.
  const other = await studio.api('/api/teams', { method: 'POST', ...json({ name: 'Other lab' }) });
  expect(other.status).toBe(201);
  const otherOwner = { ...studio.owner, cookie: `${studio.owner.cookie}; ${cookieHeader(other)}` };
  tokens.other = await createToken(otherOwner, 'write');
}, 300_000);

afterAll(async () => {
  await studio?.close();
});

describe('the authorisation matrix', () => {
  it('answers every route for every caller with the expected status', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      for (const actor of ACTORS) {
        const path = await route.path();
        const init = route.init?.();
        const sent = `${path} ${typeof init?.body === 'string' ? init.body : ''}`;
        const response = await send(actor, path, { method: route.method, ...init });
        // The run's event stream stays open: its status is all this needs.
        let body = '';
        if (path.endsWith('/events')) await response.body?.cancel();
        else body = await response.text();
        const expected = expectedStatus(route, actor);
        checked++;
        if (response.status !== expected)
          failures.push(
            `${route.method} ${path} as ${actor}: ${response.status}, expected ${expected} ${body.slice(0, 160)}`,
          );
        if (actor === 'otherToken') {
          // Nothing of the first team leaks to the other team's script, except what it sent.
          // (The owner belongs to both teams, so their own name is no secret to the other.)
          const secrets = [
            'members secret run',
            'sign-language sample',
            'Lesson one',
            'Mo Member',
            'mo@studio.test',
            ...Object.values(fx),
          ].filter((s) => s && !sent.includes(s));
          const leaked = secrets.filter((s) => body.includes(s));
          if (leaked.length) failures.push(`${route.method} ${path} leaked ${leaked.join(', ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(ROUTES.length * ACTORS.length);
  }, 300_000);

  it('records who did what in the audit trail', async () => {
    const response = await send('owner', '/api/audit?action=run.');
    const { events } = (await response.json()) as {
      events: { action: string; targetId: string; actor: { user: string; token: string | null } }[];
    };
    const created = events.find((e) => e.action === 'run.create' && e.targetId === fx.runId);
    expect(created?.actor).toEqual({ user: 'Mo Member', token: null });
    expect(events.some((e) => e.action === 'run.cancel' && e.targetId === fx.runId)).toBe(true);
    const joined = await send('owner', '/api/audit?action=member.join');
    expect(((await joined.json()) as { events: unknown[] }).events).toHaveLength(2);
  });

  it('lets a member delete only what they made, and records every delete', async () => {
    const refused = await send('member', `/api/datasets/${fx.datasetId}`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /only the datasets they created/,
    );
    for (const action of ['dataset.delete', 'run.delete']) {
      const response = await send('owner', `/api/audit?action=${action}`);
      const { events } = (await response.json()) as {
        events: {
          actor: { user: string };
          target: { name: string };
          detail: { label: string; value: string }[];
        }[];
      };
      expect(events.map((e) => e.actor.user).sort()).toEqual(['Mo Member', 'Olivia Owner']);
      const removed = {
        name: expect.stringMatching(/^spare.* \(deleted\)$/),
        runs: action === 'run.delete' ? '1' : '0',
      };
      expect(
        events.map((e) => ({
          name: e.target.name,
          runs: e.detail.find((d) => d.label === 'runs')?.value,
        })),
      ).toEqual([removed, removed]);
    }
  });

  it('shows the run creator, and the viewer its page but no new-run page', async () => {
    const run = (await (await send('viewer', `/api/runs/${fx.runId}`)).json()) as {
      createdBy: { name: string };
      tags: string[];
    };
    expect(run.createdBy.name).toBe('Mo Member');
    expect(run.tags).toEqual(['matrix']);
    const page = await send('viewer', `/runs/${fx.runId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('members secret run');
    const newRun = await send('viewer', '/runs/new', { redirect: 'manual' });
    expect(newRun.status).toBe(307);
    expect(newRun.headers.get('location')).toMatch(/\/forbidden$/);
  });
});

describe('requests without a session', () => {
  it('answers 401 to an API call that claims to be a middleware subrequest', async () => {
    for (const path of ['/api/runs', `/api/runs/${fx.runId}`, '/api/tokens']) {
      const response = await fetch(`${studio.url}${path}`, {
        headers: {
          'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware',
        },
      });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('members secret run');
    }
  });

  it('redirects page visits to the sign-in page', async () => {
    for (const path of ['/runs', `/runs/${fx.runId}`, '/datasets', '/team', '/audit']) {
      const response = await fetch(`${studio.url}${path}`, {
        redirect: 'manual',
        headers: {
          'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware',
        },
      });
      expect(response.status).toBe(307);
      expect(response.headers.get('location')).toMatch(/\/sign-in$/);
    }
    const setup = await fetch(`${studio.url}/setup`, { redirect: 'manual' });
    expect(setup.headers.get('location')).toMatch(/\/sign-in$/);
  });

  it('refuses a second setup once the owner exists', async () => {
    const response = await send('anonymous', '/api/setup', {
      method: 'POST',
      ...json({ name: 'Mallory', email: 'm@evil.test', password: 'long-enough-1', teamName: 'x' }),
    });
    expect(response.status).toBe(409);
  });
});

describe('cross-site request forgery', () => {
  const create = (headers: Record<string, string>) =>
    fetch(`${studio.url}/api/datasets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: studio.owner.cookie, ...headers },
      body: JSON.stringify({ sourceKind: 'folder', name: 'forged' }),
    });

  it('refuses a state-changing request with the session cookie from another origin or none', async () => {
    const forged = await create({ Origin: 'http://evil.example' });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: string }).error).toMatch(/came from another site/);
    expect((await create({})).status).toBe(403);
    expect((await create({ Origin: 'null' })).status).toBe(403);
    expect((await create({ Origin: studio.url })).status).toBe(201);
    expect(await db().dataset.count({ where: { name: 'forged' } })).toBe(1);
  });

  it('lets a script with a token post without an Origin', async () => {
    const write = await createToken(studio.owner, 'write');
    const response = await fetch(`${studio.url}/api/datasets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${write}` },
      body: JSON.stringify({ sourceKind: 'folder', name: 'from a script' }),
    });
    expect(response.status).toBe(201);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const response = await send('anonymous', '/api/auth/sign-in/email', {
      method: 'POST',
      ...json({ email: 'vi@studio.test', password: people.viewer.password }),
    });
    const cookie = response.headers.getSetCookie().find((c) => c.includes('session_token')) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });
});

describe('revocation', () => {
  it('stops a revoked token and a signed-out session at once', async () => {
    const token = await createToken(studio.owner, 'read');
    const listed = (await (await send('owner', '/api/tokens')).json()) as {
      tokens: { id: string; start: string }[];
    };
    const row = listed.tokens.find((t) => token.startsWith(t.start))!;
    expect(JSON.stringify(listed)).not.toContain(token);
    const use = () =>
      fetch(`${studio.url}/api/runs`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await use()).status).toBe(200);
    expect((await send('owner', `/api/tokens/${row.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await use()).status).toBe(401);

    const session = await studio.signIn('mo@studio.test', people.member.password);
    expect((await studio.api('/api/runs', {}, session)).status).toBe(200);
    const out = await studio.api('/api/auth/sign-out', { method: 'POST', ...json({}) }, session);
    expect(out.status).toBe(200);
    expect((await studio.api('/api/runs', {}, session)).status).toBe(401);

    // From the sessions list: one browser signs another out; nobody else can.
    const laptop = await studio.signIn('mo@studio.test', people.member.password);
    const phone = await studio.signIn('mo@studio.test', people.member.password);
    const sessions = await db().session.findMany({
      where: { user: { email: 'mo@studio.test' } },
      orderBy: { createdAt: 'desc' },
    });
    const phoneId = sessions[0]!.id;
    const team = await (await studio.api('/team', {}, laptop)).text();
    expect(team).toContain('Your sessions');
    expect(team).not.toContain(sessions[0]!.token);
    expect((await send('viewer', `/api/sessions/${phoneId}`, { method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await send('readToken', `/api/sessions/${phoneId}`, { method: 'DELETE' })).status).toBe(
      403,
    );
    expect((await studio.api('/api/runs', {}, phone)).status).toBe(200);
    const revoked = await studio.api(`/api/sessions/${phoneId}`, { method: 'DELETE' }, laptop);
    expect(revoked.status).toBe(204);
    expect((await studio.api('/api/runs', {}, phone)).status).toBe(401);
    expect((await studio.api('/api/runs', {}, laptop)).status).toBe(200);
  });
});

describe('API tokens and the role of the person who made them', () => {
  /** An admin invited for the test, a write token of theirs, and that token's calls. */
  async function adminWithToken(email: string, name: string) {
    const person = await invite(email, 'admin', name);
    const userId = (await db().user.findUniqueOrThrow({ where: { email } })).id;
    const token = await createToken(person, 'write');
    const authorization = { Authorization: `Bearer ${token}` };
    return {
      person,
      userId,
      createDataset: (datasetName: string) =>
        fetch(`${studio.url}/api/datasets`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...authorization },
          body: JSON.stringify({ sourceKind: 'folder', name: datasetName }),
        }),
      read: () => fetch(`${studio.url}/api/datasets`, { headers: authorization }),
    };
  }
  const setRole = (userId: string, role: string) =>
    send('owner', `/api/members/${userId}`, { method: 'PATCH', ...json({ role }) });

  it('act with the lesser of their scope and that role, as it is now', async () => {
    const ada = await adminWithToken('ada@studio.test', 'Ada Admin');
    expect((await ada.createDataset('by ada as admin')).status).toBe(201);
    expect((await setRole(ada.userId, 'viewer')).status).toBe(200);
    const demoted = await ada.createDataset('by ada as viewer');
    expect(demoted.status).toBe(403);
    expect(((await demoted.json()) as { error: string }).error).toMatch(
      /made by someone who is now a viewer/,
    );
    expect((await ada.read()).status).toBe(200);
    expect((await setRole(ada.userId, 'member')).status).toBe(200);
    expect((await ada.createDataset('by ada as member')).status).toBe(201);
    expect(await db().dataset.count({ where: { name: { startsWith: 'by ada' } } })).toBe(2);
  });

  it('die with the membership, and stay dead when the person comes back', async () => {
    const abe = await adminWithToken('abe@studio.test', 'Abe Admin');
    expect((await abe.read()).status).toBe(200);
    const removed = await send('owner', `/api/members/${abe.userId}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await abe.read()).status).toBe(401);
    expect((await abe.createDataset('by abe after leaving')).status).toBe(401);
    // Invited back, Abe joins signed in as himself; the old token stays dead.
    const again = await studio.api('/api/invitations', {
      method: 'POST',
      ...json({ email: 'abe@studio.test', role: 'admin' }),
    });
    const { code } = (await again.json()) as { code: string };
    const back = await studio.api(
      '/api/invitations/accept',
      { method: 'POST', ...json({ code }) },
      abe.person,
    );
    expect(back.status).toBe(200);
    expect((await abe.read()).status).toBe(401);
    expect(await db().dataset.count({ where: { name: 'by abe after leaving' } })).toBe(0);
  });
});

describe('sign-in rate limiting', () => {
  it('answers 429 to a brute-force run of wrong passwords, even with the right one next', async () => {
    const attempt = (password: string, headers: Record<string, string> = {}) =>
      send('anonymous', '/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ email: 'mo@studio.test', password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await attempt(`guess-${i}`)).status);
    expect(statuses).toContain(401);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect((await attempt(people.member.password)).status).toBe(429);
    // A client cannot pose as another address to get a fresh allowance.
    expect((await attempt('guess-9', { 'X-Forwarded-For': '10.9.8.7' })).status).toBe(429);
  });
});

describe('the session secret', () => {
  const start = (secret: string | undefined) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...studio.env, PORT: '0', STUDIO_SECRET: secret };
      delete env.BETTER_AUTH_SECRET;
      if (secret === undefined) delete env.STUDIO_SECRET;
      const web = path.resolve(import.meta.dirname, '..');
      const child = spawn(path.join(web, '../../node_modules/.bin/next'), ['start', '-p', '0'], {
        cwd: web,
        env,
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d));
      child.stderr.on('data', (d: Buffer) => (output += d));
      const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });

  it('keeps the web app from starting without one, or with a short one, and says how to fix it', async () => {
    const missing = await start(undefined);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(
      /cannot start\. No session secret is set.*openssl rand -base64 32/,
    );
    const short = await start(randomBytes(16).toString('base64'));
    expect(short.code).toBe(1);
    expect(short.output).toMatch(/STUDIO_SECRET carries 16 bytes; at least 32 random bytes/);
  }, 130_000);
});
