import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NormalizeSpec } from '../data/index';
import { getArchitecture } from './architectures';
import { bodyLayerGroups } from './backbone';
import stateDicts from './golden/torchvision-state-dict.json';
import { loadBackbone } from './load-backbone';
import { parityStateDict, parityTensor } from './parity-weights';
import { writeSafetensors } from './safetensors';

let cacheDir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  cacheDir = await mkdtemp(join(tmpdir(), 'load-backbone-'));
});
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

it('downloads (through an injected fetch), verifies and loads a ResNet body split into fastai groups', async () => {
  const bytes = writeSafetensors(
    parityStateDict(stateDicts.keys.resnet18 as Array<[string, number[]]>),
  );
  const base = getArchitecture('resnet18');
  const spec = {
    ...base,
    weights: {
      kind: 'download' as const,
      file: {
        url: 'https://example.invalid/model.safetensors',
        fileName: 'r18.safetensors',
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    },
  };
  const urls: string[] = [];
  const fetchImpl = (async (url: string) => {
    urls.push(url);
    return new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } });
  }) as typeof fetch;

  const backbone = await loadBackbone(spec, { cacheDir, fetchImpl });
  expect(urls).toEqual(['https://example.invalid/model.safetensors']);
  expect(backbone.body.outputs[0]!.shape).toEqual([null, 7, 7, 512]);
  expect(backbone.spec.normalization).toEqual({ kind: 'imagenet' });
  // The registry's input convention feeds the data pipeline's normalizeBatch as is.
  const forTheDataPipeline: NormalizeSpec = backbone.spec.normalization;
  expect(forTheDataPipeline.kind).toBe('imagenet');
  const kernel = backbone.body.getLayer('conv1').getWeights()[0]!;
  const torch = parityTensor('conv1.weight', [64, 3, 7, 7]);
  expect(kernel.bufferSync().get(2, 5, 1, 9)).toBe(torch[((9 * 3 + 1) * 7 + 2) * 7 + 5]); // [kh,kw,I,O] ← [O,I,kh,kw]

  const groups = bodyLayerGroups(backbone);
  expect(groups.map((g) => g[0]!.name)).toEqual(['conv1.pad', 'layer3.0.conv1.pad']);
  expect(groups[0]!.some((l) => l.name.startsWith('layer2.'))).toBe(true);
  expect(groups[1]!.every((l) => /^layer[34]\./.test(l.name))).toBe(true);
  backbone.body.dispose();
});

it('explains what an offline backbone or a ResNet is missing', async () => {
  await expect(loadBackbone('darknet_tiny')).rejects.toThrow(
    /pass pretrainedDir, the folder that contains "darknet-tiny-imagenet"/,
  );
  await expect(loadBackbone('resnet34')).rejects.toThrow(/need a cacheDir/);
});
