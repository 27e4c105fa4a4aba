// Keeps the studio's processes running for `npm run studio`: one that exits on its own (a crash,
// a kill, an out-of-memory) is started again while the others keep serving; only the studio's
// own SIGINT (Ctrl-C) or SIGTERM stops them all.
import { spawn } from 'node:child_process';

/** Pause before the first restart; it doubles with each quick exit, up to MAX_DELAY_MS. */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A process that ran this long before exiting is restarted after the first pause again. */
const STABLE_MS = 60_000;
/** How long the processes get to finish their work after SIGTERM. */
const STOP_TIMEOUT_MS = 35_000;

/** The pause before restarting a process that has exited `quickExits` times in a row quickly. */
function restartDelayMs(quickExits) {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(quickExits - 1, 0), MAX_DELAY_MS);
}

/**
 * Starts each `{ name, command, args, options }` and restarts it whenever it exits, until the
 * studio itself is told to stop; then sends every process SIGTERM and exits once they are gone.
 */
export function supervise(specs, say) {
  const children = new Map();
  const timers = new Map();
  let isStopping = false;

  const start = (spec, quickExits) => {
    const startedAt = Date.now();
    const child = spawn(spec.command, spec.args, spec.options);
    children.set(spec.name, child);
    child.on('error', (error) => say(`could not start the ${spec.name}: ${error.message}`));
    child.on('exit', (code, signal) => {
      children.delete(spec.name);
      if (isStopping) return;
      const ranMs = Date.now() - startedAt;
      const exits = ranMs >= STABLE_MS ? 1 : quickExits + 1;
      const delay = restartDelayMs(exits);
      say(
        `the ${spec.name} exited (${signal ?? `code ${code}`}) after ${Math.round(ranMs / 1000)} s; ` +
          `restarting it in ${delay / 1000} s${exits > 1 ? ` (exit ${exits} in a row within a minute)` : ''}`,
      );
      timers.set(
        spec.name,
        setTimeout(() => start(spec, exits), delay),
      );
    });
  };

  const stopAll = (signal) => {
    if (isStopping) return;
    isStopping = true;
    say(`${signal}: stopping the studio`);
    for (const timer of timers.values()) clearTimeout(timer);
    const running = [...children.values()];
    for (const child of running) child.kill('SIGTERM');
    setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    Promise.all(
      running.map(
        (c) =>
          new Promise((r) =>
            c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r),
          ),
      ),
    ).then(() => process.exit(0));
  };

  for (const spec of specs) start(spec, 0);
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
}
