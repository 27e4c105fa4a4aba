/** Prisma's codes for a database it could not reach, or a connection it lost or could not get. */
const CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

// node-postgres and Postgres wordings of the same (Postgres classes 08 and 57P01–57P03: a
// server shutting down, restarting or recovering).
const CONNECTION_MESSAGE =
  /Can't reach database server|Server has closed the connection|Connection terminated|terminating connection due to|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|ECONNREFUSED|ECONNRESET|EPIPE|Code: `(08\d\d\d|57P0[123])`|Client has encountered a connection error|Connection is closed|timeout exceeded when trying to connect/i;

/**
 * Whether an error means the database was unreachable or dropped the connection (a restart, a
 * failover), as opposed to a query the database refused. Follows `cause` chains.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth += 1) {
    const candidate = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && CONNECTION_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && CONNECTION_MESSAGE.test(candidate.message))
      return true;
    e = candidate.cause;
  }
  return false;
}

export interface RetryOptions {
  /** Give up (rethrow the last error) once the database has been away this long. */
  timeoutMs?: number;
  /** Says what is being retried, once per outage. */
  log?: (message: string) => void;
  /** What the call does, for the log ("recording epoch 3"). */
  what?: string;
  /** First pause; it doubles up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `write` and, while the database is unreachable, runs it again with growing pauses until
 * it succeeds or `timeoutMs` has passed. Other errors are thrown at once. `write` must be safe to
 * run twice (an upsert, a create that skips duplicates, a whole transaction): a connection lost
 * after the commit looks the same as one lost before it.
 */
export async function retryOnConnectionLoss<T>(
  write: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { timeoutMs = 120_000, firstDelayMs = 250, maxDelayMs = 5_000 } = options;
  const started = Date.now();
  let delay = firstDelayMs;
  let attempts = 0;
  for (;;) {
    try {
      const result = await write();
      if (attempts > 0)
        options.log?.(
          `database back after ${((Date.now() - started) / 1000).toFixed(1)} s; ${options.what ?? 'the write'} went through`,
        );
      return result;
    } catch (error) {
      if (!isConnectionLoss(error) || Date.now() - started + delay > timeoutMs) throw error;
      if (attempts === 0)
        options.log?.(
          `database unreachable while ${options.what ?? 'writing'} (${firstLine(error)}); retrying for up to ${timeoutMs / 1000} s`,
        );
      attempts += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? message
  );
}
