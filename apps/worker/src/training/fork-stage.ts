import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '@studio/shared';
import {
  DATABASE_UNREACHABLE_EXIT,
  type ChildMessage,
  type ParentMessage,
  type StageOutcome,
} from './messages';

const CHILD = fileURLToPath(new URL('./stage-child.ts', import.meta.url));

export interface ForkStageOptions {
  env: NodeJS.ProcessEnv;
  onEvent: (event: RunEvent) => void;
  /** Polled every second; true asks the child to cancel between two batches. */
  isCancelRequested: () => Promise<boolean>;
  /** Aborted when this worker shuts down: the child stops between two batches and exits. */
  shutdown: AbortSignal;
}

/**
 * Runs one stage in a child process, so that training never blocks this process's event loop
 * (which renews the queue lock and answers Redis). The child dies with its parent: it exits
 * when the IPC channel closes.
 */
export function forkStage(stageId: string, options: ForkStageOptions): Promise<StageOutcome> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [stageId], {
      execArgv: ['--import', 'tsx'],
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: StageOutcome | null = null;
    let hasAskedToCancel = false;
    const send = (message: ParentMessage) => {
      if (child.connected) child.send(message);
    };
    const poll = setInterval(() => {
      if (hasAskedToCancel) return;
      options
        .isCancelRequested()
        .then((isRequested) => {
          if (isRequested && !hasAskedToCancel) {
            hasAskedToCancel = true;
            send({ type: 'cancel' });
          }
        })
        .catch(() => undefined);
    }, 1000);
    const onShutdown = () => send({ type: 'stop' });
    options.shutdown.addEventListener('abort', onShutdown);
    if (options.shutdown.aborted) onShutdown();

    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'event':
          options.onEvent(message.event);
          break;
        case 'done':
          outcome = { kind: 'done', result: message.result };
          break;
        case 'failed':
          outcome = { kind: 'failed', message: message.message, errorKind: message.kind };
          break;
        case 'cancelled':
          outcome = { kind: 'cancelled' };
          break;
        case 'interrupted':
          outcome = { kind: 'interrupted' };
          break;
      }
    });
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      options.shutdown.removeEventListener('abort', onShutdown);
      resolve(
        outcome ?? {
          kind: 'crashed',
          message:
            code === DATABASE_UNREACHABLE_EXIT
              ? 'the training process stopped because the database stayed unreachable'
              : `the training process exited unexpectedly (${signal ?? `code ${code}`})`,
        },
      );
    });
  });
}
