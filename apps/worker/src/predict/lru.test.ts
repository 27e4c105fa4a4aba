import { describe, expect, it } from 'vitest';
import { Lru } from './lru';

describe('Lru', () => {
  it('loads each key once, keeps the two most recently used and disposes the rest', async () => {
    const loads: string[] = [];
    const disposed: string[] = [];
    const lru = new Lru<string>(2, (v) => disposed.push(v));
    const get = (key: string) =>
      lru.get(key, async () => {
        loads.push(key);
        return `model ${key}`;
      });
    expect(await get('a')).toBe('model a');
    expect(await get('b')).toBe('model b');
    expect(await get('a')).toBe('model a'); // a is now the most recent; b the oldest
    await get('c');
    await Promise.resolve();
    expect(disposed).toEqual(['model b']);
    expect(await get('a')).toBe('model a');
    await get('b');
    await Promise.resolve();
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    expect(disposed).toEqual(['model b', 'model c']);
    expect(lru.size).toBe(2);
    lru.clear();
    await Promise.resolve();
    expect(disposed.sort()).toEqual(['model a', 'model b', 'model b', 'model c']);
    expect(lru.size).toBe(0);
  });

  it('shares one load between concurrent requests and forgets a failed load', async () => {
    let calls = 0;
    const lru = new Lru<number>(2, () => undefined);
    const failing = () => {
      calls += 1;
      return Promise.reject(new Error('no such export'));
    };
    const [first, second] = [lru.get('x', failing), lru.get('x', failing)];
    await expect(first).rejects.toThrow('no such export');
    await expect(second).rejects.toThrow('no such export');
    expect(calls).toBe(1);
    expect(lru.size).toBe(0);
    expect(await lru.get('x', async () => 7)).toBe(7);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Lru(0, () => undefined)).toThrow(/positive integer, received 0/);
  });
});
