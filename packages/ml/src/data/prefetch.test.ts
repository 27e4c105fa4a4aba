import { describe, expect, it } from 'vitest';
import { prefetch } from './prefetch';

describe('prefetch', () => {
  it('starts producing the next value before handing over the current one', async () => {
    const started: number[] = [];
    const seenAtYield: number[][] = [];
    const produce = async (i: number): Promise<number> => {
      started.push(i);
      return i;
    };
    for await (const v of prefetch(4, 2, produce, () => undefined))
      seenAtYield.push([v, ...started]);
    expect(seenAtYield.map((s) => s[0])).toEqual([0, 1, 2, 3]);
    // When value 0 is handed over, 1 and 2 are already being produced (depth 2).
    expect(seenAtYield[0]).toEqual([0, 0, 1, 2]);
  });

  it('disposes prepared values the consumer never took', async () => {
    const disposed: number[] = [];
    for await (const v of prefetch(
      5,
      2,
      async (i) => i,
      (x) => disposed.push(x),
    )) {
      if (v === 1) break;
    }
    expect(disposed.sort()).toEqual([2, 3]);
  });

  it('passes a failure on and disposes what was prepared after it', async () => {
    const disposed: number[] = [];
    const produce = async (i: number): Promise<number> => {
      if (i === 1) throw new Error('bad batch 1');
      return i;
    };
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetch(4, 2, produce, (x) => disposed.push(x))) got.push(v);
      })(),
    ).rejects.toThrow('bad batch 1');
    expect(got).toEqual([0]);
    expect(disposed).toEqual([2]);
  });
});
