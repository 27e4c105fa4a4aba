/**
 * An async iterator over `count` produced values that keeps `depth` of them
 * in preparation while the consumer works on the current one. Values the
 * consumer never receives (it stopped early, or a later value failed) are
 * handed to `dispose`, so prefetched tensors never leak.
 */
export async function* prefetch<T>(
  count: number,
  depth: number,
  produce: (index: number) => Promise<T>,
  dispose: (value: T) => void,
): AsyncGenerator<T, void, undefined> {
  const queue: Promise<T>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < count && queue.length < Math.max(1, depth)) {
      const pending = produce(next++);
      // Awaited later; this only stops Node from calling it unhandled meanwhile.
      pending.catch(() => undefined);
      queue.push(pending);
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const value = await queue.shift()!;
      fill();
      yield value;
    }
  } finally {
    for (const pending of queue.splice(0)) {
      try {
        dispose(await pending);
      } catch {
        // A failed value has nothing to dispose; its error already reached the consumer or is moot.
      }
    }
  }
}
