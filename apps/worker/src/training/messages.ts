import type { RunEvent } from '@studio/shared';

/** What the training child process tells its parent. */
export type ChildMessage =
  | { type: 'event'; event: RunEvent }
  | { type: 'done'; result: Record<string, unknown> | null }
  | { type: 'failed'; message: string; kind: 'oom' | 'error' }
  | { type: 'cancelled' }
  | { type: 'interrupted' };

/** What the parent tells the child: stop for good (cancel) or pause to be resumed (stop). */
export type ParentMessage = { type: 'cancel' } | { type: 'stop' };

export type StageOutcome =
  | { kind: 'done'; result: Record<string, unknown> | null }
  | { kind: 'failed'; message: string; errorKind: 'oom' | 'error' }
  | { kind: 'cancelled' }
  | { kind: 'interrupted' }
  | { kind: 'crashed'; message: string };

/** The child's exit code when the database stayed unreachable: a crash to retry, not a failure. */
export const DATABASE_UNREACHABLE_EXIT = 75;
