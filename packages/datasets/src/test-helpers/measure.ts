/** What a hostile input cost: wall time and the largest rise in resident memory while it ran. */
export interface Cost<T> {
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
  ms: number;
  peakRssDeltaBytes: number;
}

/**
 * Runs `work` and samples `process.memoryUsage().rss` every few milliseconds (and at the end),
 * so a test can assert that a bomb was refused quickly and without filling memory.
 */
export async function measureCost<T>(work: () => Promise<T>): Promise<Cost<T>> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 5);
  const started = performance.now();
  let outcome: Cost<T>['outcome'];
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    clearInterval(timer);
    sample();
  }
  return { outcome, ms: performance.now() - started, peakRssDeltaBytes: peak - baseline };
}

/** The error a measured run failed with; fails the test if it succeeded. */
export function failureOf<T>(cost: Cost<T>): unknown {
  if (cost.outcome.ok) throw new Error('expected the run to fail, but it succeeded');
  return cost.outcome.error;
}
