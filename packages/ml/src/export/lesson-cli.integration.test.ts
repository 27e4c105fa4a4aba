import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDigits } from './test-fixtures';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
let dataDir: string;

/** Runs a package script as `npm run lesson` / `npm run evaluate` do; never throws. */
async function runScript(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', script, ...args], {
      cwd: PACKAGE_DIR,
      timeout: 300_000,
      maxBuffer: 16 * 1024 ** 2,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'studio-lesson-cli-'));
  dataDir = join(root, 'signs');
  await copyDigits(dataDir, ['0', '1', '2'], 10);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm run lesson', () => {
  it("runs the lesson's sequence, prints the JSON summary, and its export evaluates", async () => {
    const exportDir = join(root, 'model');
    const lesson = await runScript('scripts/lesson.ts', [
      ...['--data', dataDir, '--arch', 'mobilenet_v2_0.35', '--bs', '8', '--epochs', '1'],
      ...['--unfrozen-epochs', '1', '--resize', 'squish', '--export', exportDir, '--json'],
    ]);
    expect(lesson.code, lesson.stderr).toBe(0);
    // The lesson's steps, in order, as the runner reports them.
    const steps = [
      'classes (c = 3): 0, 1, 2',
      'train 24 / valid 6 images, 224 px (squish), bs 8',
      'fit_one_cycle(1, 0.003) with the body frozen',
      'epoch  train_loss  valid_loss  error_rate  time',
      'saved stage-1',
      'most confused (min 2)',
      'lr_find:',
      'unfreeze(); fit_one_cycle(1, max_lr=slice(0.000001, 0.0001))',
      `exported to ${exportDir}`,
    ];
    const at = steps.map((step) => lesson.stderr.indexOf(step));
    expect(
      at.every((i) => i >= 0),
      lesson.stderr,
    ).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));

    const summary = JSON.parse(lesson.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      arch: 'mobilenet_v2_0.35',
      size: 224,
      resize: 'squish',
      classes: ['0', '1', '2'],
      n_train: 24,
      n_valid: 6,
    });
    for (const key of ['frozen_error', 'final_error'] as const) {
      const value = summary[key] as number;
      // Six validation images: the error is a whole number of sixths.
      expect(Math.round(value * 6)).toBeCloseTo(value * 6, 9);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(summary.wall_s).toBeGreaterThan(0);

    const preprocessing = JSON.parse(
      await readFile(join(exportDir, 'preprocessing.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(preprocessing).toMatchObject({ size: 224, resizeMode: 'squish' });
    const evaluated = await runScript('scripts/evaluate.ts', [
      ...['--model', exportDir, '--data', dataDir, '--json'],
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!) as {
      n: number;
      classes: string[];
    };
    expect(result.n).toBe(30);
    expect(result.classes).toEqual(['0', '1', '2']);
  });

  it('trains, exports and evaluates the default backbone, the full-width MobileNetV2', async () => {
    const exportDir = join(root, 'model-1.0');
    const lesson = await runScript('scripts/lesson.ts', [
      ...['--data', dataDir, '--bs', '8', '--epochs', '1'],
      ...['--unfrozen-epochs', '1', '--export', exportDir, '--json'],
    ]);
    expect(lesson.code, lesson.stderr).toBe(0);
    expect(lesson.stderr).toContain(
      'train 24 / valid 6 images, 224 px (crop), bs 8, mobilenet_v2_1.0',
    );
    expect(lesson.stderr).toContain(
      'the body has no BatchNorm layers: they are folded into its convolutions',
    );
    const summary = JSON.parse(lesson.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ arch: 'mobilenet_v2_1.0', n_train: 24, n_valid: 6 });
    const preprocessing = JSON.parse(
      await readFile(join(exportDir, 'preprocessing.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(preprocessing).toMatchObject({
      arch: 'mobilenet_v2_1.0',
      size: 224,
      normalize: { kind: 'scale', min: -1, max: 1 },
    });
    const evaluated = await runScript('scripts/evaluate.ts', [
      ...['--model', exportDir, '--data', dataDir, '--json'],
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!) as { n: number };
    expect(result.n).toBe(30);
  });

  it('reports the frozen error as final when it does not fine-tune', async () => {
    const lesson = await runScript('scripts/lesson.ts', [
      ...['--data', dataDir, '--bs', '8', '--epochs', '1', '--unfrozen-epochs', '0', '--json'],
    ]);
    expect(lesson.code, lesson.stderr).toBe(0);
    const summary = JSON.parse(lesson.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(typeof summary.final_error).toBe('number');
    expect(summary.final_error).toBe(summary.frozen_error);
  });

  it('fails with a clear message on a folder without images', async () => {
    const empty = join(root, 'empty');
    await mkdir(join(empty, 'cats'), { recursive: true });
    const { code, stdout, stderr } = await runScript('scripts/lesson.ts', ['--data', empty]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`lesson: no images found in ${empty}.`);
  });

  it('names the choices of a flag it does not understand', async () => {
    const { code, stderr } = await runScript('scripts/lesson.ts', [
      ...['--data', dataDir, '--resize', 'stretch'],
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('lesson: --resize must be crop, pad or squish, received "stretch".');
    const passes = await runScript('scripts/lesson.ts', ['--data', dataDir, '--micro-batch', 'x']);
    expect(passes.code).toBe(1);
    expect(passes.stderr).toContain(
      'lesson: --micro-batch must be a positive number, received "x".',
    );
    const head = await runScript('scripts/lesson.ts', [
      ...['--data', dataDir, '--whole-batch-head', 'yes'],
    ]);
    expect(head.code).toBe(1);
    expect(head.stderr).toContain('lesson: --whole-batch-head must be on or off, received "yes".');
  });
});
