/**
 * Seeded pseudo-random numbers. Every random draw in the data pipeline goes
 * through an `Rng` built from explicit seeds, so the same (seed, epoch, batch)
 * always yields the same batch regardless of prefetch timing.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast, good enough for augmentation and shuffling. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * Mix several integers into one 32-bit seed (murmur3 finaliser per part), so
 * that streams for (seed, epoch) and (seed, epoch + 1) are unrelated.
 */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(Math.trunc(part) | 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An Rng for a named stream, e.g. `createRng(seed, epoch, STREAM_SHUFFLE)`. */
export function createRng(...seeds: number[]): Rng {
  return mulberry32(mixSeeds(...seeds));
}

export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

// fastai v1 torch_core.py log_uniform: exp of a uniform draw between the logs.
export function logUniform(rng: Rng, low: number, high: number): number {
  return Math.exp(uniform(rng, Math.log(low), Math.log(high)));
}

/** True with probability p. */
export function randomBool(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

/** Integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng.next() * n));
}

/** Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndices(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
