import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend';
import { evaluateFolder } from './evaluate-folder';
import { exportModel } from './export-model';
import { loadExport } from './load-export';
import { copyDigits, tinySoftmaxNet } from './test-fixtures';
import { writeExport } from './write-export';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const classes = ['0', '1', '2'];
let root: string;
let modelDir: string;
let dataDir: string;

/** Runs scripts/evaluate.ts as `npm run evaluate` does; resolves with its exit code and output. */
async function runEvaluate(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'npx',
      ['tsx', 'scripts/evaluate.ts', ...args],
      {
        cwd: PACKAGE_DIR,
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'studio-evaluate-cli-'));
  modelDir = join(root, 'model');
  dataDir = join(root, 'digits');
  const net = tinySoftmaxNet(32, classes.length);
  await writeExport(
    modelDir,
    await exportModel(net, {
      classes,
      preprocessing: {
        size: 32,
        resizeMode: 'crop',
        normalize: { kind: 'imagenet' },
        arch: 'tiny',
      },
    }),
  );
  net.dispose();
  await copyDigits(dataDir, ['0', '1'], 3);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm run evaluate', () => {
  it('prints one JSON object as its last line with --json', async () => {
    const { code, stdout, stderr } = await runEvaluate([
      '--model',
      modelDir,
      '--data',
      dataDir,
      '--json',
      '--bs',
      '4',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/tfjs backend: wasm/);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual([
      'n',
      'accuracy',
      'error_rate',
      'classes',
      'confusion_matrix',
      'most_confused',
    ]);
    expect(result.n).toBe(6);
    expect(result.classes).toEqual(classes);
    // The same numbers as the library gives in this process.
    const exported = await loadExport(modelDir);
    const expected = await evaluateFolder(exported, dataDir);
    exported.model.dispose();
    expect(result.confusion_matrix).toEqual(expected.confusionMatrix);
    expect(result.most_confused).toEqual(expected.mostConfused);
    expect(result.accuracy).toBeCloseTo(expected.accuracy, 12);
    expect(result.error_rate).toBeCloseTo(expected.errorRate, 12);
  });

  it('prints a readable summary, here with TTA', async () => {
    const { code, stdout, stderr } = await runEvaluate([
      '--model',
      modelDir,
      '--data',
      dataDir,
      '--tta',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/: 6 images, with TTA/);
    expect(stdout).toMatch(/^accuracy +\d+\.\d\d% \(\d\/6\)$/m);
    expect(stdout).toMatch(/^error_rate +\d+\.\d\d%$/m);
    expect(stdout).toMatch(/most confused/);
  });

  it('fails naming the class folders the model does not know', async () => {
    const unknownDir = join(root, 'unknown');
    await copyDigits(unknownDir, ['1', '8'], 1);
    const { code, stdout, stderr } = await runEvaluate([
      '--model',
      modelDir,
      '--data',
      unknownDir,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `evaluate: ${unknownDir} has class folders the model does not know: "8". The model's classes (3): 0, 1, 2.`,
    );
  });

  it('fails with usage on bad arguments', async () => {
    const { code, stderr } = await runEvaluate(['--data', dataDir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Both --model and --data are required\.\nUsage: npm run evaluate/);
  });
});
