/**
 * A learner's state as one self-describing safetensors file: every weight of every layer
 * (BatchNorm running statistics included) as `w/<layer>/<weight>`, Adam moments as
 * `opt.m/<key>` and `opt.v/<key>`, and a JSON header (classes, frozen groups, optimiser
 * hyper-parameters, and for a checkpoint where the fit stood) in the metadata.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  readSafetensors,
  toFloat32,
  writeSafetensors,
  type SafetensorsInput,
} from '../models/safetensors';
import type { AdamWParamState } from './adamw';
import type { RecorderState } from './recorder';
import type { SmoothState } from './smoothen';

export const LEARNER_FORMAT = 'studio-learner';
const VERSION = 1;
const META_KEY = 'studio.learner';

/** Where a fit stood when its checkpoint was written. */
export interface FitCheckpoint {
  /** Epochs completed; a resumed fit starts at this epoch. */
  epoch: number;
  /** Optimiser steps taken in the fit so far. */
  iteration: number;
  /** Epochs of the whole fit (the schedule depends on it). */
  epochs: number;
  recorder: RecorderState;
  smoother: SmoothState;
}

export interface LearnerFileHeader {
  format: typeof LEARNER_FORMAT;
  version: number;
  classes: string[];
  layerGroups: number;
  /** Groups frozen from the first (0 = unfrozen). */
  frozenGroups: number;
  optimizer: {
    lr: number[];
    mom: number;
    beta2: number;
    eps: number;
    wd: number;
    steps: Record<string, number>;
  } | null;
  checkpoint: FitCheckpoint | null;
  /**
   * Where the learner's random streams stood: the next training epoch's data epoch (shuffle and
   * augmentation) and each seeded Dropout layer's call count. Absent in files written before it
   * was kept; loading those leaves the learner's streams as they are.
   */
  randomState?: LearnerRandomState;
  /** Whether the body's BatchNorm statistics were measured on the data (Learner.isBnAdapted). */
  isBnAdapted?: boolean;
}

export interface LearnerRandomState {
  dataEpoch: number;
  dropoutCalls: Record<string, number>;
}

export interface LearnerFile {
  header: LearnerFileHeader;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  optimizerState: AdamWParamState[];
}

export interface NamedWeight {
  key: string;
  tensor: tf.Tensor;
}

export async function writeLearnerFile(
  header: LearnerFileHeader,
  weights: readonly NamedWeight[],
  optimizerState: readonly AdamWParamState[],
): Promise<Uint8Array> {
  const values = await Promise.all(weights.map((w) => w.tensor.data<'float32'>()));
  const tensors: SafetensorsInput[] = weights.map((w, i) => ({
    name: `w/${w.key}`,
    shape: w.tensor.shape,
    data: values[i]!,
  }));
  for (const s of optimizerState) {
    tensors.push({ name: `opt.m/${s.key}`, shape: s.shape, data: s.m });
    tensors.push({ name: `opt.v/${s.key}`, shape: s.shape, data: s.v });
  }
  return writeSafetensors(tensors, { format: 'pt', [META_KEY]: JSON.stringify(header) });
}

export function readLearnerFile(bytes: Uint8Array): LearnerFile {
  const file = readSafetensors(bytes);
  const json = file.metadata[META_KEY];
  if (json == null) {
    throw new Error(
      `Not a saved learner: the safetensors metadata has no "${META_KEY}" entry. Use bytes from learner.save() or a checkpoint.`,
    );
  }
  const header = JSON.parse(json) as LearnerFileHeader;
  if (header.format !== LEARNER_FORMAT || header.version !== VERSION) {
    throw new Error(
      `Unsupported learner file: format "${header.format}" version ${header.version}; this code reads "${LEARNER_FORMAT}" version ${VERSION}.`,
    );
  }
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const moments = new Map<string, Partial<AdamWParamState>>();
  for (const [name, entry] of file.tensors) {
    const data = toFloat32(entry);
    if (name.startsWith('w/')) weights.set(name.slice(2), { shape: entry.shape, data });
    const moment = /^opt\.([mv])\/(.*)$/.exec(name);
    if (moment != null) {
      const [, which, key] = moment as unknown as [string, 'm' | 'v', string];
      const s = moments.get(key) ?? {
        key,
        shape: entry.shape,
        step: header.optimizer?.steps[key] ?? 0,
      };
      s[which] = data;
      moments.set(key, s);
    }
  }
  const optimizerState = [...moments.values()].filter(
    (s): s is AdamWParamState => s.m != null && s.v != null,
  );
  return { header, weights, optimizerState };
}
