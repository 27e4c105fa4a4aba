import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import type { BackendChoice } from './init-backend';
import { areTrainingKernelsRegistered } from '../kernels/register-training-kernels';

// These tests share one tfjs engine (one process per file) and run in order.
describe('initBackend', () => {
  it('falls back past the missing native packages to wasm, says so in one line and registers the training kernels', async () => {
    const messages: string[] = [];
    const info = await initBackend({ log: (msg) => messages.push(msg) });

    expect(info.name).toBe('wasm');
    expect(info.tfjsName).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.fallbacks.map((f) => f.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(info.fallbacks[0]?.error).toContain('@tensorflow/tfjs-node-gpu');
    expect(info.reason).toContain(
      'first that loaded after tensorflow-gpu (not installed), tensorflow (not installed)',
    );
    expect(info.reason).toMatch(/SIMD (on|off)/);
    expect(info.threads).toBe(1);
    // The missing optional packages are the normal case here, not errors worth a line each.
    expect(messages).toEqual([expect.stringContaining('tfjs backend: wasm (first that loaded')]);
    expect(areTrainingKernelsRegistered()).toBe(true);
  });

  it('is idempotent: the same preference gives the same result without logging again', async () => {
    const first = await initBackend();
    const log = (msg: string) => expect.fail(`unexpected log: ${msg}`);
    expect(await initBackend({ log })).toBe(first);
    expect(await Promise.all([initBackend(), initBackend()])).toEqual([first, first]);
  });

  it("honours prefer: 'cpu', then switches back when asked for the best again", async () => {
    const messages: string[] = [];
    const cpu = await initBackend({ prefer: 'cpu', log: (msg) => messages.push(msg) });
    expect(cpu).toMatchObject({ name: 'cpu', tfjsName: 'cpu', fallbacks: [] });
    expect(cpu.reason).toContain("requested (prefer: 'cpu')");
    expect(tf.getBackend()).toBe('cpu');
    expect(messages).toEqual([expect.stringContaining('tfjs backend: cpu')]);

    expect((await initBackend()).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('falls back from an unavailable preferred backend to the simpler ones only', async () => {
    const info = await initBackend({ prefer: 'tensorflow' });
    expect(info.name).toBe('wasm');
    expect(info.fallbacks.map((f) => f.name)).toEqual(['tensorflow']);
  });

  it('rejects an unknown preference with the valid choices', async () => {
    await expect(initBackend({ prefer: 'webgl' as BackendChoice })).rejects.toThrow(
      "Unknown backend 'webgl'. Expected one of: tensorflow-gpu, tensorflow, wasm, cpu.",
    );
  });
});
