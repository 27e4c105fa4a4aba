/**
 * How long a stage and a run took, defined once for the run page, the runs list and the compare
 * page: the time a worker spent on the stage's attempts (queue waits and the idle time before a
 * retry left out), counted until now while an attempt is running.
 */
export interface TimedStage {
  status: string;
  /** When the current or last attempt started. */
  startedAt: Date | string | null;
  /** When the last attempt ended; null while one runs. */
  finishedAt: Date | string | null;
  /** Seconds of the earlier, finished attempts. */
  priorAttemptSeconds: number;
}

const time = (t: Date | string | number) => new Date(t).getTime();

/** Seconds the stage's attempts took; null when it never started. */
export function stageSeconds(stage: TimedStage, now: Date | number = Date.now()): number | null {
  const end = stage.status === 'running' ? now : stage.finishedAt;
  const current =
    stage.startedAt && end !== null ? Math.max(0, (time(end) - time(stage.startedAt)) / 1000) : 0;
  if (!stage.startedAt && stage.priorAttemptSeconds === 0) return null;
  return stage.priorAttemptSeconds + current;
}

/** The sum of its stages' attempt times; null when no stage started. */
export function runSeconds(stages: TimedStage[], now: Date | number = Date.now()): number | null {
  const each = stages.map((s) => stageSeconds(s, now)).filter((s): s is number => s !== null);
  return each.length ? each.reduce((a, b) => a + b, 0) : null;
}
