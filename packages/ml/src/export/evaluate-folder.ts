/**
 * An exported model scored on a labelled image folder: the numbers of fastai v1's
 * `learn.validate()` and ClassificationInterpretation, for a model outside its learner.
 */
import { readdir, stat } from 'node:fs/promises';
import { folderItems, folderSource, IMAGE_EXTENSIONS, type Item } from '../data/items';
import { confusionMatrix } from '../interpret/confusion-matrix';
import { fromPredictions, type Interpretation } from '../interpret/interpretation';
import { mostConfused, type ConfusedPair } from '../interpret/most-confused';
import type { ExportedModel } from './load-export';
import { predictBatch } from './predict';

export interface EvaluateFolderOptions {
  /** Images read and predicted at once; default 32. */
  bs?: number;
  tta?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface FolderEvaluation {
  n: number;
  accuracy: number;
  errorRate: number;
  /** The model's classes; the matrix is over all of them, present in the folder or not. */
  classes: string[];
  confusionMatrix: number[][];
  mostConfused: ConfusedPair[];
  interp: Interpretation;
  /** Which items were scored: every image, or the validation split of an ImageNet-style tree. */
  scope: 'all' | 'valid';
}

/** Items to score: class folders directly under `dir`, or the valid/ split of a train/ + valid/ tree. */
async function labelledItems(dir: string): Promise<{ items: Item[]; scope: 'all' | 'valid' }> {
  const isFolder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new Error(`${dir} is not a folder.`);
  const all = await folderItems(dir);
  // folderItems reads a tree with a train/ folder as ImageNet style (every item then under a
  // split folder); a model is judged on its held-out images, and test/ may be unlabelled.
  const isSplitTree = all.some((item) => item.split !== 'train' || item.key.startsWith('train/'));
  const items = isSplitTree ? all.filter((item) => item.split === 'valid') : all;
  if (items.length === 0 && isSplitTree) {
    throw new Error(
      `${dir} has a train/ folder, so it reads as train/ + valid/ splits, but its valid/ ` +
        '(or validation/, val/) folder holds no images. Pass a folder of class folders, e.g. the valid folder itself.',
    );
  }
  if (items.length === 0) {
    const folders = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    throw new Error(
      `No images found in ${dir}. Expected class folders directly under it ` +
        `(${dir}/<class>/<image>) holding ${[...IMAGE_EXTENSIONS].join(' ')} files; found ${
          folders.length > 0 ? `folders ${folders.join(', ')} without images` : 'no folders'
        }.`,
    );
  }
  return { items, scope: isSplitTree ? 'valid' : 'all' };
}

function checkKnownClasses(items: readonly Item[], classes: readonly string[], dir: string): void {
  const known = new Set(classes);
  const unknown = [...new Set(items.map((i) => i.label))].filter((l) => !known.has(l)).sort();
  if (unknown.length > 0) {
    throw new Error(
      `${dir} has class folders the model does not know: ${unknown.map((u) => `"${u}"`).join(', ')}. ` +
        `The model's classes (${classes.length}): ${classes.join(', ')}. ` +
        'Remove or rename those folders, or evaluate a model trained on those classes.',
    );
  }
}

export async function evaluateFolder(
  exported: ExportedModel,
  dir: string,
  options: EvaluateFolderOptions = {},
): Promise<FolderEvaluation> {
  const { items, scope } = await labelledItems(dir);
  const { classes } = exported;
  checkKnownClasses(items, classes, dir);
  const bs = options.bs ?? 32;
  const read = folderSource(dir);
  const c = classes.length;
  const probs = new Float32Array(items.length * c);
  const targets = Int32Array.from(items, (item) => classes.indexOf(item.label));
  // Read one batch of files at a time so a large folder never sits in memory whole.
  for (let start = 0; start < items.length; start += bs) {
    const batch = items.slice(start, start + bs);
    const bytes = await Promise.all(batch.map((item) => read(item.key)));
    const names = batch.map((item) => `${dir}/${item.key}`);
    const predictions = await predictBatch(exported, bytes, { bs, tta: options.tta, names });
    predictions.forEach((p, i) => probs.set(p.probs, (start + i) * c));
    options.onProgress?.(start + batch.length, items.length);
  }
  // Cross-entropy from probabilities, floored so a confident miss is a large finite loss.
  const losses = Float32Array.from(
    targets,
    (t, i) => -Math.log(Math.max(probs[i * c + t]!, 1e-12)),
  );
  const interp = fromPredictions({
    probs,
    targets,
    losses,
    keys: items.map((i) => i.key),
    classes,
  });
  const correct = interp.preds.filter((p, i) => p === targets[i]).length;
  return {
    n: items.length,
    accuracy: correct / items.length,
    errorRate: 1 - correct / items.length,
    classes: [...classes],
    confusionMatrix: confusionMatrix(interp),
    mostConfused: mostConfused(interp),
    interp,
    scope,
  };
}
