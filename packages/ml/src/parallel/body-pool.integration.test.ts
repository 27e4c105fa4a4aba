import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyBackbone } from '../learner/test-fixtures';
import { BodyPool, modelArtifacts } from './body-pool';
import { initBackend } from '../backend/index';

const POOL_MODULE = fileURLToPath(new URL('./body-pool.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

describe('body pool (worker threads with a wasm backend each)', () => {
  const pool = new BodyPool('wasm');
  let body: tfl.LayersModel;
  let artifacts: tf.io.ModelArtifacts;
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    body = tinyBackbone(8, 7).body;
    artifacts = await modelArtifacts(body);
  });
  afterAll(async () => {
    await pool.close();
    body.dispose();
  });

  const batch = (n: number, seed: number) => tf.randomNormal([n, 8, 8, 3], 0, 1, 'float32', seed);

  it('runs a model in its workers to the values of the main thread', async () => {
    const start = tf.memory().numTensors;
    const model = await pool.load(artifacts, 2);
    expect(pool.workers).toHaveLength(2);
    const inputs = [1, 2, 3, 4].map((seed) => batch(5, seed));
    const outputs = await Promise.all(
      inputs.map(async (x) => model.run((await x.data<'float32'>()).slice(), x.shape)),
    );
    for (const [i, x] of inputs.entries()) {
      const expected = tf.tidy(() => body.predict(x) as tf.Tensor);
      expect(outputs[i]!.shape).toEqual([5, 4, 4, 16]);
      const want = await expected.data();
      const worst = outputs[i]!.values.reduce((m, v, k) => Math.max(m, Math.abs(v - want[k]!)), 0);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expected.dispose();
    }
    // A request the model refuses fails alone; the workers go on.
    await expect(model.run(new Float32Array(8 * 8), [1, 8, 8, 1])).rejects.toThrow(
      /Body worker \d: .*/,
    );
    const again = await model.run((await inputs[0]!.data<'float32'>()).slice(), [5, 8, 8, 3]);
    expect(again.values).toEqual(outputs[0]!.values);
    model.close();
    model.close();
    await expect(model.run(new Float32Array(192), [1, 8, 8, 3])).rejects.toThrow(/closed/);
    tf.dispose(inputs);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('fails the requests of a worker that dies, and starts a new one on next use', async () => {
    const model = await pool.load(artifacts, 2);
    // Each run moves its input's buffer to a worker: a new one each time.
    const x = () => new Float32Array(64 * 8 * 8 * 3);
    // Many requests queue on the two workers; the ones still waiting when worker 0 dies fail.
    const pending = Array.from({ length: 20 }, () => model.run(x(), [64, 8, 8, 3]));
    const dead = pool.workers[0]!;
    await dead.terminate();
    const failures = (await Promise.allSettled(pending)).filter((r) => r.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(String((failure as PromiseRejectedResult).reason)).toMatch(
        'Body worker 0 exited with code 1.',
      );
    }
    await expect(model.run(x(), [64, 8, 8, 3])).rejects.toThrow(
      'Body worker 0 exited with code 1.',
    );
    model.close();

    const fresh = await pool.load(artifacts, 2);
    expect(pool.workers[0]).not.toBe(dead);
    expect((await fresh.run(x(), [64, 8, 8, 3])).shape).toEqual([64, 4, 4, 16]);
    fresh.close();
  });

  it('never keeps a process alive once its requests are answered', () => {
    // Inside the package, so the script's imports resolve from its node_modules.
    // A clean checkout hoists every dependency to the root, leaving no node_modules here.
    mkdirSync(join(PACKAGE_DIR, 'node_modules'), { recursive: true });
    const dir = mkdtempSync(join(PACKAGE_DIR, 'node_modules', '.body-pool-'));
    const script = join(dir, 'use-pool.mts');
    writeFileSync(
      script,
      [
        `import * as tf from '@tensorflow/tfjs-core';`,
        `import * as tfl from '@tensorflow/tfjs-layers';`,
        `import { bodyPool, modelArtifacts } from ${JSON.stringify(POOL_MODULE)};`,
        `await import('@tensorflow/tfjs-backend-wasm');`,
        `await tf.setBackend('wasm');`,
        `const input = tfl.input({ shape: [4] });`,
        `const dense = tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor;`,
        `const net = tfl.model({ inputs: input, outputs: dense });`,
        `const model = await bodyPool('wasm').load(await modelArtifacts(net), 2);`,
        `const { shape } = await model.run(new Float32Array(12), [3, 4]);`,
        `console.log(JSON.stringify(shape));`,
      ].join('\n'),
    );
    try {
      // No close(): the script must exit on its own.
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('[3,2]');
      expect(child.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
