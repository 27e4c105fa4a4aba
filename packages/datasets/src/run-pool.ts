/**
 * Runs `work` on items pulled from an async iterable with at most `concurrency` in flight.
 * Items are pulled only when a slot frees up, so a streaming source (zip, tar) is read no
 * faster than it is processed and memory stays bounded. The first failure stops pulling,
 * waits for the running tasks, closes the source and is rethrown.
 */
export async function runPool<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  try {
    for await (const item of items) {
      const task: Promise<void> = work(item)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => running.delete(task));
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
      if (failure) break;
    }
  } finally {
    await Promise.all(running);
  }
  if (failure) throw (failure as { error: unknown }).error;
}
