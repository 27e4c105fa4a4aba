import { describe, expect, it } from 'vitest';
import { runSeconds, stageSeconds } from './durations';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

describe('stage and run durations', () => {
  it('counts a finished stage from its attempt start to its end', () => {
    expect(
      stageSeconds({
        status: 'done',
        startedAt: at(10),
        finishedAt: at(40),
        priorAttemptSeconds: 0,
      }),
    ).toBe(30);
  });

  it('counts a running attempt until now, plus the earlier attempts, not the wait in between', () => {
    // A first attempt of 20 s failed; the retry started at 100 s and runs at 130 s.
    const stage = {
      status: 'running',
      startedAt: at(100),
      finishedAt: null,
      priorAttemptSeconds: 20,
    };
    expect(stageSeconds(stage, at(130))).toBe(50);
  });

  it('gives null for a stage that never started and the sum of the stages for a run', () => {
    const pending = {
      status: 'pending',
      startedAt: null,
      finishedAt: null,
      priorAttemptSeconds: 0,
    };
    expect(stageSeconds(pending)).toBeNull();
    expect(runSeconds([pending])).toBeNull();
    expect(
      runSeconds(
        [
          { status: 'done', startedAt: at(0), finishedAt: at(30), priorAttemptSeconds: 0 },
          // Queued for a retry after a failed attempt of 12 s: only that attempt counts.
          { status: 'queued', startedAt: null, finishedAt: null, priorAttemptSeconds: 12 },
          pending,
        ],
        at(500),
      ),
    ).toBe(42);
  });
});
