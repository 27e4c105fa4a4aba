import { retryOnConnectionLoss, type Db } from '@studio/db';
import type { Callback, FitState } from '@studio/ml';
import type { RunEvent } from '@studio/shared';

interface BatchRow {
  stageId: string;
  iteration: number;
  epoch: number;
  loss: number;
  smoothLoss: number;
  lr: number;
  mom: number;
}

const FLUSH_EVERY_MS = 3_000;

/**
 * Publishes every batch live and keeps Postgres the truth: batch rows are written every few
 * seconds and at each epoch's end, the epoch table row exactly once (its key is the epoch).
 * While the database is away (a restart) training waits on these writes and they are retried;
 * both are safe to repeat.
 */
export class StudioReporter implements Callback {
  // After the recorder (-10), which computes the epoch's row this reporter writes.
  readonly order = 40;
  private pending: BatchRow[] = [];
  private lastFlush = Date.now();
  private epochStartedAt = 0;
  private fitStartedAt = 0;
  private firstIteration = 0;

  constructor(
    private readonly db: Db,
    private readonly stageId: string,
    private readonly send: (event: RunEvent) => void,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  beforeFit(state: FitState): void {
    this.fitStartedAt = performance.now();
    this.firstIteration = state.iteration;
  }

  /** The feature cache build: progress in images; training is timed from its end. */
  afterCacheBatch(state: FitState): void {
    const { done, total, seconds } = state.cache!;
    this.fitStartedAt = performance.now();
    this.send({
      type: 'batch',
      stageId: this.stageId,
      iteration: state.iteration,
      epoch: 0,
      loss: 0,
      smoothLoss: 0,
      lr: state.learner.opt.lr.at(-1)!,
      mom: state.learner.opt.mom,
      batch: done,
      batches: total,
      epochs: state.epochs,
      etaS: done > 0 ? (seconds / done) * Math.max(total - done, 0) : null,
      phase: 'cache',
    });
  }

  beforeEpoch(): void {
    this.epochStartedAt = performance.now();
  }

  async afterBatch(state: FitState): Promise<void> {
    const { learner } = state;
    const row: BatchRow = {
      stageId: this.stageId,
      iteration: state.iteration,
      epoch: state.epoch,
      loss: state.loss,
      smoothLoss: state.smoothLoss,
      lr: learner.opt.lr.at(-1)!,
      mom: learner.opt.mom,
    };
    this.pending.push(row);
    const done = state.iteration - this.firstIteration;
    const total = state.epochs * state.batches - this.firstIteration;
    const elapsedS = (performance.now() - this.fitStartedAt) / 1000;
    this.send({
      type: 'batch',
      ...row,
      batch: state.batch + 1,
      batches: state.batches,
      epochs: state.epochs,
      etaS: done > 0 ? (elapsedS / done) * Math.max(total - done, 0) : null,
      phase: state.skipValidation ? 'lr_find' : 'train',
    });
    if (Date.now() - this.lastFlush > FLUSH_EVERY_MS) await this.flush();
  }

  async afterEpoch(state: FitState): Promise<void> {
    await this.flush();
    if (state.skipValidation) return;
    const record = state.learner.recorder.epochs.at(-1);
    if (!record) return;
    const errorRate = record.metrics.error_rate ?? 1 - (record.metrics.accuracy ?? 0);
    const row = {
      trainLoss: record.trainLoss,
      validLoss: record.validLoss ?? Number.NaN,
      errorRate,
      accuracy: record.metrics.accuracy ?? 1 - errorRate,
      seconds: record.timeS ?? (performance.now() - this.epochStartedAt) / 1000,
    };
    await retryOnConnectionLoss(
      () =>
        this.db.epochMetric.upsert({
          where: { stageId_epoch: { stageId: this.stageId, epoch: state.epoch } },
          create: { stageId: this.stageId, epoch: state.epoch, ...row },
          update: row,
        }),
      { log: this.log, what: `recording epoch ${state.epoch}` },
    );
    this.send({ type: 'epoch', stageId: this.stageId, epoch: state.epoch, ...row });
  }

  async afterFit(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    if (rows.length === 0) return;
    await retryOnConnectionLoss(
      () => this.db.batchMetric.createMany({ data: rows, skipDuplicates: true }),
      { log: this.log, what: `recording ${rows.length} batches` },
    );
  }
}
