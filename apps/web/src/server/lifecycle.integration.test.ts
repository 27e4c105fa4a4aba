import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, seedSignLanguageVersion, type TestDatabase } from '@studio/db/testing';
import { parseHistoryQuery } from '@/components/runs/history-query';
import type { Access } from './access';
import { listDatasets } from './datasets';
import { listRunHistory } from './history';
import {
  deleteDataset,
  deleteRun,
  deleteVersion,
  previewDatasetDeletion,
  renameOrArchiveRun,
  updateDataset,
} from './lifecycle';
import { listRuns, listTrainableVersions } from './runs';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let database: TestDatabase;
const as = {} as Record<'owner' | 'admin' | 'member' | 'other' | 'viewer', Access>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  const team = await database.db.team.create({ data: { name: 'lesson one' } });
  for (const role of ['owner', 'admin', 'member', 'other', 'viewer'] as const) {
    await database.db.user.create({ data: { id: role, name: role, email: `${role}@studio.test` } });
    const teamRole = role === 'other' ? 'member' : role;
    await database.db.membership.create({
      data: { teamId: team.id, userId: role, role: teamRole },
    });
    as[role] = { teamId: team.id, role: teamRole, userId: role, tokenId: null };
  }
});
afterAll(async () => {
  await database?.drop();
});

/** A dataset with one version made by `person`, and a run on it made by `person` too. */
async function seed(person: string, runStatus: 'done' | 'running' = 'done') {
  const versionId = await seedSignLanguageVersion(database.db, {
    classes: ['0', '1'],
    perClass: 2,
    teamId: as.owner.teamId,
  });
  const version = await database.db.datasetVersion.findUniqueOrThrow({ where: { id: versionId } });
  await database.db.dataset.update({
    where: { id: version.datasetId },
    data: { createdById: person },
  });
  const run = await database.db.run.create({
    data: {
      name: `${person}'s run`,
      versionId,
      arch: 'mobilenet_v2_0.35',
      config: {},
      status: runStatus,
      teamId: as.owner.teamId,
      createdById: person,
      stages: { create: { index: 0, kind: 'fit_one_cycle', params: {}, status: runStatus } },
    },
  });
  return { datasetId: version.datasetId, versionId, runId: run.id };
}

const auditOf = (action: string, targetId: string) =>
  database.db.auditEvent.findMany({ where: { action, targetId } });

describe('who may delete', () => {
  it('lets members delete what they made and owners and admins anything', async () => {
    const mine = await seed('member');
    const theirs = await seed('other');
    await expect(deleteRun(as.member, theirs.runId)).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/only the runs they created/),
    });
    await expect(deleteDataset(as.member, theirs.datasetId)).rejects.toMatchObject({ status: 403 });
    expect((await previewDatasetDeletion(as.member, theirs.datasetId)).mayDelete).toBe(false);
    expect((await previewDatasetDeletion(as.member, mine.datasetId)).mayDelete).toBe(true);

    const freed = await deleteRun(as.member, mine.runId);
    expect(freed.runs).toBe(1);
    expect(await database.db.run.count({ where: { id: mine.runId } })).toBe(0);
    await deleteDataset(as.member, mine.datasetId);
    await deleteRun(as.admin, theirs.runId);
    await deleteDataset(as.owner, theirs.datasetId);
    expect(
      await database.db.dataset.count({
        where: { id: { in: [mine.datasetId, theirs.datasetId] } },
      }),
    ).toBe(0);
  });

  it('records every delete in the audit trail with what went with it', async () => {
    const { datasetId, runId } = await seed('member');
    await deleteDataset(as.admin, datasetId);
    const [event] = await auditOf('dataset.delete', datasetId);
    expect(event).toMatchObject({ actorUserId: 'admin', targetType: 'dataset' });
    expect(event!.detail).toMatchObject({
      name: 'sign-language sample',
      versions: 1,
      runs: 1,
      images: 4,
    });
    expect((event!.detail as { bytesFreed: number }).bytesFreed).toBeGreaterThan(0);
    expect(await database.db.run.count({ where: { id: runId } })).toBe(0);
  });

  it('refuses to delete a run that is training, and its dataset, until it is cancelled', async () => {
    const { datasetId, runId } = await seed('member', 'running');
    await expect(deleteRun(as.owner, runId)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/still training; cancel it first/),
    });
    await expect(deleteDataset(as.owner, datasetId)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/Run "member's run" is still training on it; cancel it first/),
    });
    expect((await previewDatasetDeletion(as.owner, datasetId)).blockedBy).toMatch(/cancel it/);
    await database.db.stage.updateMany({ where: { runId }, data: { status: 'cancelled' } });
    await deleteDataset(as.owner, datasetId);
    expect(await database.db.run.count({ where: { id: runId } })).toBe(0);
  });

  it('answers 404 for another team, exactly as for an unknown id', async () => {
    const { datasetId, runId } = await seed('owner');
    const stranger: Access = { ...as.owner, teamId: '00000000-0000-4000-8000-000000000000' };
    await expect(deleteDataset(stranger, datasetId)).rejects.toMatchObject({ status: 404 });
    await expect(deleteRun(stranger, runId)).rejects.toMatchObject({ status: 404 });
  });
});

describe('deleting a version', () => {
  it('deletes a version no run uses, and names the runs that use one', async () => {
    const { datasetId, versionId, runId } = await seed('member');
    const spare = await database.db.datasetVersion.create({
      data: {
        datasetId,
        number: 2,
        labelling: { scheme: 'folder' },
        split: {},
        classes: ['0', '1'],
        counts: {},
      },
    });
    await expect(deleteVersion(as.member, datasetId, versionId)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/Version 1 is used by 1 run \("member's run"\)/),
    });
    await deleteVersion(as.member, datasetId, spare.id);
    expect(await database.db.datasetVersion.count({ where: { datasetId } })).toBe(1);
    expect(await auditOf('version.delete', spare.id)).toHaveLength(1);
    await expect(deleteVersion(as.other, datasetId, versionId)).rejects.toMatchObject({
      status: 403,
    });
    await deleteRun(as.member, runId);
    await deleteVersion(as.member, datasetId, versionId);
    expect(await database.db.datasetVersion.count({ where: { datasetId } })).toBe(0);
  });
});

describe('rename and archive', () => {
  it('hides an archived dataset and run from the lists until restored', async () => {
    const { datasetId, versionId, runId } = await seed('member');
    const listed = async () => ({
      datasets: (await listDatasets(as.viewer)).map((d) => d.id),
      archivedDatasets: (await listDatasets(as.viewer, { archived: true })).map((d) => d.id),
      versions: (await listTrainableVersions(as.viewer)).map((v) => v.id),
      runs: (await listRuns(as.viewer)).map((r) => r.id),
      history: (await listRunHistory(as.viewer, parseHistoryQuery({}))).runs.map((r) => r.id),
      archivedHistory: (
        await listRunHistory(as.viewer, parseHistoryQuery({ archived: '1' }))
      ).runs.map((r) => r.id),
    });
    let now = await listed();
    expect(now.datasets).toContain(datasetId);
    expect(now.versions).toContain(versionId);
    expect(now.history).toContain(runId);

    expect(await updateDataset(as.member, datasetId, { name: 'hands', archived: true })).toEqual({
      id: datasetId,
      name: 'hands',
      archived: true,
    });
    await renameOrArchiveRun(as.other, runId, { archived: true });
    now = await listed();
    expect(now.datasets).not.toContain(datasetId);
    expect(now.archivedDatasets).toContain(datasetId);
    expect(now.versions).not.toContain(versionId);
    expect(now.runs).not.toContain(runId);
    expect(now.history).not.toContain(runId);
    expect(now.archivedHistory).toContain(runId);

    await updateDataset(as.member, datasetId, { archived: false });
    await renameOrArchiveRun(as.member, runId, { name: 'first try', archived: false });
    now = await listed();
    expect(now.datasets).toContain(datasetId);
    expect(now.history).toContain(runId);
    const actions = await database.db.auditEvent.findMany({
      where: { targetId: { in: [datasetId, runId] } },
      orderBy: { at: 'asc' },
      select: { action: true, detail: true },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'dataset.rename',
      'dataset.archive',
      'run.archive',
      'dataset.restore',
      'run.rename',
      'run.restore',
    ]);
    expect(actions[0]!.detail).toEqual({ from: 'sign-language sample', to: 'hands' });
  });
});
