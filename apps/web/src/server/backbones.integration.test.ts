import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, SHARED, type TestDatabase } from '@studio/db/testing';
import { runConfig, uploadedArch } from '@studio/shared';
import {
  createUploadedBackbone,
  deleteUploadedBackbone,
  listUploadedBackbones,
  readBackboneForm,
  type BackboneUpload,
} from './backbones';
import type { Access } from './access';
import { blobs, db } from './db';
import { ApiError } from './http';
import { createRun } from './runs';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

const MOBILENET = path.join(SHARED, 'pretrained/mobilenet-v2-0.35-teachable-machine');
let database: TestDatabase;
let folder: { name: string; bytes: Uint8Array }[];
let versionId: string;
let access: Access;
let otherTeam: Access;

const upload = (overrides: Partial<BackboneUpload> = {}): BackboneUpload => ({
  name: 'teachable machine',
  files: folder,
  ...overrides,
});

function formRequest(fields: Record<string, string>, files: File[]): Request {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  for (const file of files) form.append('files', file);
  return new Request('http://studio.test/api/backbones', { method: 'POST', body: form });
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const storedCounts = async () => ({
  rows: await db().uploadedBackbone.count(),
  blobs: await db().blob.count({ where: { key: { startsWith: 'backbone/' } } }),
});

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  folder = await Promise.all(
    (await readdir(MOBILENET)).map(async (name) => ({
      name,
      bytes: new Uint8Array(await readFile(path.join(MOBILENET, name))),
    })),
  );
  const [team, other] = await Promise.all([
    db().team.create({ data: { name: 'lesson one' } }),
    db().team.create({ data: { name: 'another lab' } }),
  ]);
  const user = await db().user.create({
    data: { id: 'member-1', name: 'Mo Member', email: 'mo@studio.test' },
  });
  access = { teamId: team.id, role: 'member', userId: user.id, tokenId: null };
  otherTeam = { teamId: other.id, role: 'owner', userId: null, tokenId: null };
  const dataset = await db().dataset.create({
    data: { name: 'signs', sourceKind: 'folder', status: 'ready', teamId: team.id },
  });
  const version = await db().datasetVersion.create({
    data: {
      datasetId: dataset.id,
      number: 1,
      labelling: { scheme: 'folder' },
      split: { kind: 'random', validPct: 0.2, seed: 42 },
      classes: ['a', 'b'],
      counts: { train: { a: 40, b: 40 }, valid: { a: 10, b: 10 } },
    },
  });
  versionId = version.id;
}, 120_000);

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

describe('uploading a backbone', () => {
  it('stores model.json and the shard it names, and leaves the other files out', async () => {
    const { backbone, ignored } = await createUploadedBackbone(access, upload());
    expect(ignored).toEqual(['metadata.json']);
    expect(backbone).toMatchObject({
      name: 'teachable machine',
      arch: `uploaded:${backbone.id}`,
      files: ['model.json', 'weights.bin'],
      inputShape: [224, 224, 3],
      cutLayer: 'out_relu',
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      runCount: 0,
    });
    const weights = folder.find((f) => f.name === 'weights.bin')!.bytes;
    const modelJson = folder.find((f) => f.name === 'model.json')!.bytes;
    expect(backbone.bytes).toBe(weights.byteLength + modelJson.byteLength);
    const stored = await blobs().get(`backbone/${backbone.id}/weights.bin`);
    expect(Buffer.compare(stored, Buffer.from(weights))).toBe(0);
    await deleteUploadedBackbone(access, backbone.id);
  });

  it('reads the multipart form: files, cut layer and mean/std', async () => {
    const files = folder
      .filter((f) => f.name !== 'metadata.json')
      .map((f) => new File([f.bytes.slice()], f.name));
    const request = formRequest(
      {
        name: ' mobilenet ',
        cutLayer: 'block_16_project_BN',
        mean: '0.5, 0.5, 0.5',
        std: '[0.5,0.5,0.5]',
      },
      files,
    );
    const parsed = await readBackboneForm(request);
    expect(parsed).toMatchObject({
      name: 'mobilenet',
      cutLayer: 'block_16_project_BN',
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    const { backbone } = await createUploadedBackbone(access, parsed);
    expect(backbone.cutLayer).toBe('block_16_project_BN');
    await deleteUploadedBackbone(access, backbone.id);

    const badStd = formRequest({ name: 'x', mean: '0,0,0', std: '1,0,1' }, files);
    expect((await rejection(readBackboneForm(badStd))).message).toMatch(
      /mean and std must each be three numbers, std above 0 \(received mean "0,0,0", std "1,0,1"\)/,
    );
  });

  it('reads a zip of the folder, whatever the folder inside it is called', async () => {
    const zip = zipSync(
      Object.fromEntries(folder.map((f) => [`my-model/${f.name}`, f.bytes] as const)),
    );
    const parsed = await readBackboneForm(
      formRequest({ name: 'zipped' }, [new File([zip], 'my-model.zip')]),
    );
    expect(parsed.files.map((f) => f.name).sort()).toEqual([
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    const { backbone } = await createUploadedBackbone(access, parsed);
    expect(backbone.cutLayer).toBe('out_relu');
    await deleteUploadedBackbone(access, backbone.id);
  });

  it('refuses a missing or truncated shard, a bad cut layer and too many bytes, storing nothing', async () => {
    const before = await storedCounts();
    const noShard = await rejection(
      createUploadedBackbone(
        access,
        upload({ files: folder.filter((f) => f.name !== 'weights.bin') }),
      ),
    );
    expect(noShard.status).toBe(400);
    expect(noShard.message).toMatch(/missing: "weights\.bin"/);
    expect(noShard.details).toEqual({ code: 'MISSING_SHARD' });

    const truncated = folder.map((f) =>
      f.name === 'weights.bin' ? { ...f, bytes: f.bytes.subarray(0, 1000) } : f,
    );
    const short = await rejection(createUploadedBackbone(access, upload({ files: truncated })));
    expect(short.message).toMatch(/"weights\.bin" hold 1,000 bytes.*truncated/);

    const badCut = await rejection(
      createUploadedBackbone(access, upload({ cutLayer: 'dense_Dense1' })),
    );
    expect(badCut.message).toMatch(/"dense_Dense1" \(Dense\) outputs a 2-D tensor/);

    const noModel = await rejection(
      createUploadedBackbone(
        access,
        upload({ files: folder.filter((f) => f.name !== 'model.json') }),
      ),
    );
    expect(noModel.message).toMatch(/No model\.json among the uploaded files/);

    const tooBig = await rejection(createUploadedBackbone(access, upload(), 1_000_000));
    expect(tooBig.status).toBe(413);
    const tooBigForm = await rejection(
      readBackboneForm(
        formRequest(
          { name: 'big' },
          folder.map((f) => new File([f.bytes.slice()], f.name)),
        ),
        1_000_000,
      ),
    );
    expect(tooBigForm.status).toBe(413);
    expect(tooBigForm.message).toMatch(/over the limit of 1\.0 MiB/);
    expect(await storedCounts()).toEqual(before);
  });
});

describe('listing and deleting backbones', () => {
  it('counts the runs that use a backbone and refuses to delete it while one does', async () => {
    const { backbone } = await createUploadedBackbone(access, upload({ name: 'in use' }));
    const run = await createRun(access, {
      versionId,
      name: 'run on an uploaded backbone',
      arch: uploadedArch(backbone.id),
      config: runConfig.parse({ bs: 8 }),
      stages: [],
      launch: false,
    });
    const listed = await listUploadedBackbones(access);
    expect(listed.map((b) => [b.name, b.runCount])).toEqual([['in use', 1]]);
    expect(run.createdById).toBe(access.userId);
    // Another team neither sees nor deletes it, nor trains from it.
    expect(await listUploadedBackbones(otherTeam)).toEqual([]);
    expect((await rejection(deleteUploadedBackbone(otherTeam, backbone.id))).status).toBe(404);
    const audit = await db().auditEvent.findMany({
      where: { teamId: access.teamId, targetId: backbone.id },
    });
    expect(audit.map((e) => [e.action, e.actorUserId])).toEqual([['backbone.create', 'member-1']]);

    const refused = await rejection(deleteUploadedBackbone(access, backbone.id));
    expect(refused.status).toBe(409);
    expect(refused.message).toMatch(/1 run trains from "in use" \("run on an uploaded backbone"\)/);
    expect(await listUploadedBackbones(access)).toHaveLength(1);

    await db().run.delete({ where: { id: run.id } });
    await deleteUploadedBackbone(access, backbone.id);
    expect(await listUploadedBackbones(access)).toEqual([]);
    expect(await storedCounts()).toEqual({ rows: 0, blobs: 0 });
    expect((await rejection(deleteUploadedBackbone(access, backbone.id))).status).toBe(404);
  });

  it('will not create a run on a backbone that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const error = await rejection(
      createRun(access, {
        versionId,
        name: 'orphan',
        arch: uploadedArch(missing),
        config: runConfig.parse({ bs: 8 }),
        stages: [],
        launch: false,
      }),
    );
    expect(error.message).toMatch(`No uploaded backbone with id ${missing}`);
  });
});
