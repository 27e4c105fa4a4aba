import { spawnSync } from 'node:child_process';
import type { BenchRow } from './options';

const PYTHON = '/usr/bin/python3';

export interface TorchResult {
  engine: string;
  threads: number;
  train_img_s: number;
  infer_img_s: number;
}

/** True when Debian's python3-torch imports, i.e. the reference can run at all. */
export function isTorchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * One row of ../shared/reference/torch_reference.py, run now so both engines see the same
 * machine load. Its JSON line is parsed; anything else it prints goes to our stderr.
 */
export function runTorchReference(
  script: string,
  row: BenchRow,
  steps: number,
  threads: number | null,
): TorchResult {
  const args = [script, '--arch', row.arch, '--size', `${row.size}`, '--bs', `${row.bs}`];
  args.push('--steps', `${steps}`);
  if (threads != null) args.push('--threads', `${threads}`);
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.stderr) process.stderr.write(run.stderr);
  if (run.status !== 0) {
    throw new Error(
      `${PYTHON} ${args.join(' ')} exited with ${run.status ?? run.signal}; see its stderr above.`,
    );
  }
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    throw new Error(`torch_reference.py printed no JSON line; its output was:\n${run.stdout}`);
  }
}
