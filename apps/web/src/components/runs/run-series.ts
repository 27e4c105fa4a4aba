import type { RunDetail } from '@/server/runs';

export type RunStage = RunDetail['stages'][number];
export type BatchPoint = RunStage['batches'][number];
export type EpochRow = RunStage['epochs'][number];

export interface SeriesPoint {
  x: number;
  loss: number;
  smoothLoss: number;
  lr: number;
  mom: number;
}

/** Recharts draws every point as SVG; past this many the page gets sluggish for no visible gain. */
const MAX_POINTS = 1200;

/**
 * The per-batch curves of all fit stages of a run on one x axis: each stage's iterations
 * continue where the previous stage's ended. Also where each stage starts, to mark it.
 */
export function runSeries(stages: RunStage[]) {
  const points: SeriesPoint[] = [];
  const starts: { x: number; label: string }[] = [];
  let offset = 0;
  for (const [position, stage] of stages.entries()) {
    if (stage.kind !== 'fit_one_cycle' || stage.batches.length === 0) continue;
    const first = stage.batches[0]!.iteration;
    if (points.length > 0) starts.push({ x: offset, label: `stage ${position + 1}` });
    for (const b of stage.batches) {
      points.push({
        x: offset + b.iteration - first,
        loss: b.loss,
        smoothLoss: b.smoothLoss,
        lr: b.lr,
        mom: b.mom,
      });
    }
    offset = points[points.length - 1]!.x + 1;
  }
  return { points: downsample(points), total: points.length, last: points.at(-1) ?? null, starts };
}

function downsample<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const stride = Math.ceil(points.length / MAX_POINTS);
  const kept = points.filter((_, i) => i % stride === 0);
  if (kept.at(-1) !== points.at(-1)) kept.push(points.at(-1)!);
  return kept;
}

/** Rows from Postgres, then live rows past the last stored key (the stored ones win). */
export function mergeByKey<T>(stored: T[], live: T[] | undefined, key: (row: T) => number): T[] {
  if (!live?.length) return stored;
  const lastStored = stored.length ? key(stored[stored.length - 1]!) : -Infinity;
  return [...stored, ...live.filter((row) => key(row) > lastStored)];
}
