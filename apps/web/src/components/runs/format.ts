/** How runs are written on screen: numbers the way fastai prints them, stages the way the lesson calls them. */

/** A learning rate as a person would type it: `3e-3`, `1.2e-4`, `0.05`. */
export function formatLr(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  if (Math.abs(value) >= 0.01 && Math.abs(value) < 1000)
    return String(Number(value.toPrecision(3)));
  const [mantissa, exponent] = value.toExponential(2).split('e');
  const trimmed = String(Number(mantissa));
  return `${trimmed}e${Number(exponent)}`;
}

/** A number or fastai's `slice(lo, hi)` / `slice(hi)`. */
export function formatLearningRate(lr: unknown): string {
  if (typeof lr === 'number') return formatLr(lr);
  if (lr && typeof lr === 'object' && 'hi' in lr) {
    const { lo, hi } = lr as { lo?: number; hi: number };
    return lo === undefined ? `slice(${formatLr(hi)})` : `slice(${formatLr(lo)}, ${formatLr(hi)})`;
  }
  return '?';
}

/** The stage as the lesson's code line, e.g. `fit_one_cycle(2, max_lr=slice(1e-6, 1e-4))`. */
export function formatStageCall(kind: string, params: Record<string, unknown>): string {
  switch (kind) {
    case 'fit_one_cycle':
      return (
        `fit_one_cycle(${String(params.epochs)}, max_lr=${formatLearningRate(params.maxLr ?? 3e-3)}` +
        (params.restoreBest === true
          ? ", callbacks=[SaveModelCallback(every='improvement')])"
          : ')')
      );
    case 'lr_find': {
      const start = typeof params.startLr === 'number' ? params.startLr : 1e-7;
      const end = typeof params.endLr === 'number' ? params.endLr : 10;
      const isDefault = start === 1e-7 && end === 10 && (params.numIt ?? 100) === 100;
      return isDefault
        ? 'lr_find()'
        : `lr_find(start_lr=${formatLr(start)}, end_lr=${formatLr(end)}, num_it=${String(params.numIt)})`;
    }
    case 'save':
    case 'load':
      return `${kind}('${String(params.name)}')`;
    default:
      return `${kind}()`;
  }
}

/** An axis tick: at most three significant digits, no trailing zeros (2.4, not 2.4000). */
export const formatTick = (value: number) => String(Number(value.toPrecision(3)));

/** Powers of ten from below `min` to above `max`: the ticks of a log axis that read at a glance. */
export function decadeTicks(min: number, max: number): number[] {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
    ticks.push(10 ** e);
  return ticks;
}

/** Metrics with six decimals, as fastai's progress table prints them. */
export const formatMetric = (value: number) => value.toFixed(6);

/** fastai's `format_time`: mm:ss, or h:mm:ss past an hour. */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** A human duration for lists: "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export const formatPercent = (rate: number) => `${(rate * 100).toFixed(2)}%`;

export const formatDateTime = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
