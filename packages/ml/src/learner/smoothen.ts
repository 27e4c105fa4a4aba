/**
 * Exponential moving average with debiasing, the loss fastai displays
 * (fastai v1 basic_train.py SmoothenValue, β = 0.98).
 */
export interface SmoothState {
  n: number;
  movAvg: number;
}

export function createSmoother(beta = 0.98, state: SmoothState = { n: 0, movAvg: 0 }) {
  const s = { ...state };
  return {
    add(value: number): number {
      s.n += 1;
      s.movAvg = beta * s.movAvg + (1 - beta) * value;
      return s.movAvg / (1 - beta ** s.n);
    },
    get value(): number {
      return s.n === 0 ? NaN : s.movAvg / (1 - beta ** s.n);
    },
    state: (): SmoothState => ({ ...s }),
  };
}

export type Smoother = ReturnType<typeof createSmoother>;
