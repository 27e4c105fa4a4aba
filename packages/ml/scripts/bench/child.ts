import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, BenchRow } from './options';

export interface ChildResult {
  /** The JSON lines the child printed, parsed. */
  lines: Array<Record<string, unknown>>;
  /** Why the child failed, or null. */
  error: string | null;
}

const BENCH_SCRIPT = fileURLToPath(new URL('../bench.ts', import.meta.url));

/**
 * Measures one row in a fresh Node process. Each row then starts with an empty wasm heap
 * (wasm memory only grows, so a big row would otherwise leave the next one a fragmented
 * heap), and a row that exhausts wasm32's 4 GB heap (the wasm module aborts, which cannot be
 * recovered in-process) becomes an error line instead of ending the run.
 */
export function measureRowInChild(
  row: BenchRow,
  options: BenchOptions,
  trainThreads = 1,
): ChildResult {
  const args = [
    ...process.execArgv, // tsx's loader
    BENCH_SCRIPT,
    '--child',
    ...['--arch', row.arch, '--size', `${row.size}`, '--bs', `${row.bs}`],
    ...['--steps', `${options.steps}`, '--backend', options.backend, '--layers', options.layers],
    ...['--threads', `${trainThreads}`, ...(options.useMainThread ? ['--main-thread'] : [])],
    ...['--wasm-threads', `${options.wasmThreads}`],
    ...(options.profile ? ['--profile'] : []),
    ...(options.onnxOnly ? ['--onnx-only'] : []),
  ];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Forward the child's notes, minus the minified wasm glue a crash prints as one huge line.
  const notes = child.stderr.split('\n').filter((line) => line.length > 0 && line.length < 400);
  if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
  const lines = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  if (child.status === 0) return { lines, error: null };
  const reason = notes.findLast((line) => /Error|Aborted|out of bounds/.test(line)) ?? 'no message';
  // A wasm abort in the middle of a step is, in practice, malloc failing at the heap limit.
  const hint = /Aborted|out of bounds/.test(reason)
    ? ' (most likely the wasm32 heap hit its 4 GB limit: the tape holds every activation; try a smaller --bs)'
    : '';
  return {
    lines,
    error: `child exited with ${child.status ?? child.signal}: ${reason.trim()}${hint}`,
  };
}
