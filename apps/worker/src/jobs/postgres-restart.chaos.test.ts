import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../testing/private-services';
import { expectRecordedOnce, useTrainTestbed } from '../testing/train-testbed';
import { startWorker, until } from '../testing/worker-process';

// Registered before the testbed's hooks, so the testbed's database lives on this server.
let postgres: PrivatePostgres;
beforeAll(async () => {
  postgres = await startPrivatePostgres();
});
afterAll(async () => {
  await postgres?.close();
});

const bed = useTrainTestbed(
  { classes: ['0', '1', '2'], perClass: 24 },
  { databaseServerUrl: () => postgres.url },
);
const OUTAGE_MS = 10_000;
// Long enough (about 2 s an epoch here) that the stage is still training when Postgres returns.
const EPOCHS = 16;

const runStatus = (id: string) =>
  bed.db.run.findUniqueOrThrow({
    where: { id },
    include: { stages: { orderBy: { index: 'asc' } } },
  });

describe.each([
  ['stopped (fast shutdown)', 'fast'],
  ['crashed (immediate shutdown, recovery at start)', 'immediate'],
] as const)('Postgres %s for 10 s in the middle of a stage', (_, mode) => {
  it('the worker retries its writes and the run ends done, every epoch recorded once', async () => {
    startWorker({ databaseUrl: bed.url, prefix: bed.prefix });
    const run = await bed.createRun(
      [
        { kind: 'fit_one_cycle', epochs: EPOCHS, maxLr: 3e-3 },
        { kind: 'save', name: 'stage-1' },
      ],
      { precompute: 'off' },
    );
    const stageId = run.stages[0]!.id;
    await until(
      () => bed.db.epochMetric.count({ where: { stageId } }),
      (n) => n > 0,
    );
    await postgres.stop(mode);
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await postgres.start();
    const restartedAt = Date.now();
    console.log(`Postgres down ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s`);
    const done = await until(
      () => runStatus(run.id).catch(() => null),
      (r) => r !== null && ['done', 'failed'].includes(r.status),
      300_000,
    );
    console.log(
      `run ${done!.status} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after Postgres came back; attempts ${done!.stages.map((s) => s.attempts).join(', ')}`,
    );
    expect(done!.stages.map((s) => [s.status, s.error])).toEqual([
      ['done', null],
      ['done', null],
    ]);
    await expectRecordedOnce(bed.db, {
      runId: run.id,
      stageId,
      epochs: EPOCHS,
      checkpoints: ['current', 'stage-1'],
    });
  });
});
