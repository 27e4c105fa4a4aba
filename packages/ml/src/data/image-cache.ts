/**
 * Decoded, resized pixels kept in memory so that epochs after the first never
 * decode again. Keyed by (item key, side, fit). Holds promises, so two batches
 * asking for the same image at once share one decode.
 */
import type { Fit } from './decode';
import type { Pixels } from './pixels';

export class ImageCache {
  readonly #entries = new Map<string, Promise<Pixels>>();
  #bytes = 0;

  static id(key: string, side: number, fit: Fit): string {
    return `${side}\u0000${fit}\u0000${key}`;
  }

  get(id: string, load: () => Promise<Pixels>): Promise<Pixels> {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = load().then(
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
