import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend';
import { evaluateFolder } from './evaluate-folder';
import { exportModel } from './export-model';
import { loadExport, type ExportedModel } from './load-export';
import { predictBatch } from './predict';
import { copyDigits, tinySoftmaxNet } from './test-fixtures';

let root: string;
let exported: ExportedModel;
const classes = ['0', '1', '2'];

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'studio-evaluate-'));
  const net = tinySoftmaxNet(32, classes.length);
  exported = await loadExport(
    await exportModel(net, {
      classes,
      preprocessing: { size: 32, resizeMode: 'crop', normalize: { kind: 'imagenet' } },
    }),
  );
  net.dispose();
});

afterAll(async () => {
  exported?.model.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('evaluateFolder', () => {
  it('scores every image of the class folders with the model', async () => {
    const dir = join(root, 'flat');
    await copyDigits(dir, ['0', '2'], 3);
    const progress: number[] = [];
    const result = await evaluateFolder(exported, dir, {
      bs: 4,
      onProgress: (d) => progress.push(d),
    });
    expect(progress).toEqual([4, 6]);
    expect(result.n).toBe(6);
    expect(result.scope).toBe('all');
    expect(result.classes).toEqual(classes);
    expect(result.confusionMatrix).toHaveLength(3);
    expect(result.confusionMatrix[1]).toEqual([0, 0, 0]); // no "1" folder
    expect(result.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(result.accuracy + result.errorRate).toBeCloseTo(1, 12);
    // The same predictions predictBatch gives, in folder order.
    const bytes = await Promise.all(result.interp.keys.map((k) => readFile(join(dir, k))));
    const preds = await predictBatch(exported, bytes);
    expect([...result.interp.preds]).toEqual(preds.map((p) => p.index));
    expect([...result.interp.targets]).toEqual([0, 0, 0, 2, 2, 2]);
  });

  it('scores only the valid/ split of a train/ + valid/ + test/ tree', async () => {
    const dir = join(root, 'tree');
    await copyDigits(dir, ['0', '1'], 2, 'train');
    await copyDigits(dir, ['1'], 3, 'valid');
    await copyDigits(dir, ['5'], 1, 'test'); // a class the model lacks: must not be read
    const result = await evaluateFolder(exported, dir);
    expect(result.scope).toBe('valid');
    expect(result.n).toBe(3);
    expect(result.interp.keys.every((k) => k.startsWith('valid/1/'))).toBe(true);
    const noValid = join(root, 'tree-no-valid');
    await copyDigits(noValid, ['0'], 1, 'train');
    await expect(evaluateFolder(exported, noValid)).rejects.toThrow(
      `${noValid} has a train/ folder, so it reads as train/ + valid/ splits, but its valid/`,
    );
  });

  it('names class folders the model does not know, and lists its classes', async () => {
    const dir = join(root, 'unknown');
    await copyDigits(dir, ['0', '7', '9'], 1);
    await expect(evaluateFolder(exported, dir)).rejects.toThrow(
      `${dir} has class folders the model does not know: "7", "9". The model's classes (3): 0, 1, 2.`,
    );
  });

  it('says what it expected in a folder without images', async () => {
    const dir = join(root, 'empty');
    await mkdir(join(dir, 'cats'), { recursive: true });
    await writeFile(join(dir, 'cats', 'notes.txt'), 'not an image');
    await expect(evaluateFolder(exported, dir)).rejects.toThrow(
      new RegExp(
        `No images found in ${dir}\\. Expected class folders directly under it .* found folders cats without images\\.`,
      ),
    );
    await expect(evaluateFolder(exported, join(root, 'missing'))).rejects.toThrow(
      `${join(root, 'missing')} is not a folder.`,
    );
  });

  it('names a file it cannot decode', async () => {
    const dir = join(root, 'broken');
    await copyDigits(dir, ['0'], 1);
    await writeFile(join(dir, '0', 'zz-broken.jpg'), 'not really a jpeg');
    await expect(evaluateFolder(exported, dir)).rejects.toThrow(
      `Could not decode ${dir}/0/zz-broken.jpg`,
    );
  });
});
