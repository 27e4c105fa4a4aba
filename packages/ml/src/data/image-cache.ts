/**
 * Decoded, resized pixels kept in memory so that epochs after the first never
 * decode again. Keyed by (item key, side, fit). Holds promises, so two batches
 * asking for the same image at once share one decode. With a PixelStore below
 * it (pixel-store.ts), a miss reads the store before decoding and a decode is
 * written back, so later runs and processes skip the decode too.
 */
import type { Fit } from './decode';
import type { Pixels } from './pixels';
import type { PixelStore } from './pixel-store';

export class ImageCache {
  readonly #entries = new Map<string, Promise<Pixels>>();
  readonly #store: PixelStore | undefined;
  #bytes = 0;

  constructor(options: { store?: PixelStore } = {}) {
    this.#store = options.store;
  }

  static id(key: string, side: number, fit: Fit): string {
    return `${side}\u0000${fit}\u0000${key}`;
  }

  /** The item key an id was made from (the id itself when it was not made by `id`). */
  static keyOf(id: string): string {
    const parts = id.split('\u0000');
    return parts.length === 3 ? parts[2]! : id;
  }

  get(id: string, load: () => Promise<Pixels>): Promise<Pixels> {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = this.#load(id, load).then(
        (pixels) => {
          this.#bytes += pixels.data.byteLength;
          return pixels;
        },
        (error: unknown) => {
          // Forget failures so a fixed source can be retried.
          this.#entries.delete(id);
          throw error;
        },
      );
      this.#entries.set(id, entry);
    }
    return entry;
  }

  async #load(id: string, load: () => Promise<Pixels>): Promise<Pixels> {
    const store = this.#store;
    if (!store) return load();
    const stored = await store.get(id);
    if (stored) return stored;
    const pixels = await load();
    await store.put(id, pixels);
    return pixels;
  }

  /** Number of cached (or in-flight) images. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes of decoded pixels held. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
