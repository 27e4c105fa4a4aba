/**
 * The last `capacity` values asked for, each loaded once. Values are kept as promises, so two
 * requests for the same key share one load; a failed load is forgotten, so the next request
 * tries again. An evicted value is handed to `dispose` once it has loaded.
 */
export class Lru<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(
    private readonly capacity: number,
    private readonly dispose: (value: V) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`Lru capacity must be a positive integer, received ${capacity}.`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    let entry = this.entries.get(key);
    if (entry) {
      // Map keeps insertion order: re-inserting marks the key as the most recently used.
      this.entries.delete(key);
    } else {
      entry = load();
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    for (const [oldest, value] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
      this.release(value);
    }
    return entry;
  }

  /** Disposes every value; the cache is empty afterwards. */
  clear(): void {
    for (const value of this.entries.values()) this.release(value);
    this.entries.clear();
  }

  private release(value: Promise<V>): void {
    value.then(this.dispose, () => undefined);
  }
}
