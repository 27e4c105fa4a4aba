/**
 * Micro-batches: a batch's loss and gradients computed over chunks of at most `chunk` images,
 * each chunk's gradients weighted by its share of the batch and summed. The mean loss and its
 * gradients are those of one pass over the whole batch; only the memory of one chunk's
 * activations is held at a time. What differs from fastai v1 (one pass per batch): BatchNorm
 * layers in training mode normalise each chunk by the chunk's own statistics and update their
 * running statistics once per chunk. So chunks are used only where the whole batch does not fit:
 * the wasm backend's memory stops at 4 GB, and a MobileNetV2 or ResNet training step at 224 px
 * with fastai's batch of 64 needs more. With a model cut before its head (`splitGradients`),
 * the head still trains on the whole batch (whole-batch-head.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Accumulator, type BatchGradients } from './accumulator';
import { leanVariableGrads } from './lean-gradients';
import {
  bodyFeatures,
  bodyGradients,
  headGradients,
  keepStatistics,
  type WholeBatchHead,
} from './whole-batch-head';

/** Images per forward/backward pass: a number, 'auto' (measured, wasm only), or whole batches. */
export type MicroBatchOption = number | 'auto' | 'off';

/** Bytes of tensors one training step may hold on wasm, below its 4 GB limit with room to spare. */
export const WASM_STEP_BUDGET_BYTES = 2.5 * 2 ** 30;
/** The measured chunk's peak undercounts kernels' own scratch memory; this covers it. */
const SAFETY = 1.5;
/** Images in the chunk whose memory use is measured. */
const PROBE_IMAGES = 2;

type LossFn = (x: tf.Tensor, y: tf.Tensor1D) => tf.Scalar;

/**
 * Decides the chunk size of a fit's batches. 'auto' measures the first batch's first chunk (of
 * two images) on wasm and sizes chunks to fit the budget; other backends train whole batches.
 */
export class MicroBatcher {
  private chunk: number | null;

  constructor(
    private readonly option: MicroBatchOption = 'off',
    private readonly budgetBytes = WASM_STEP_BUDGET_BYTES,
  ) {
    if (typeof option === 'number' && (!Number.isInteger(option) || option < 1)) {
      throw new Error(
        `microBatch must be a positive integer, 'auto' or 'off'; received ${option}.`,
      );
    }
    this.chunk = option === 'off' ? Infinity : typeof option === 'number' ? option : null;
  }

  /** The chunk size in use (Infinity: whole batches), or null before 'auto' has measured. */
  get chunkSize(): number | null {
    return this.chunk;
  }

  async gradients(
    loss: LossFn,
    variables: tf.Variable[],
    x: tf.Tensor,
    y: tf.Tensor1D,
  ): Promise<BatchGradients> {
    const n = x.shape[0]!;
    if (this.decided(n) && this.chunk! >= n) return leanVariableGrads(() => loss(x, y), variables);

    const sum = new Accumulator();
    let start = 0;
    try {
      if (this.chunk === null) {
        const before = tf.memory().numBytes;
        let names: string[] = [];
        const probe = await tf.profile(() => {
          const part = slicedGrads(loss, variables, x, y, 0, PROBE_IMAGES);
          names = Object.keys(part.grads);
          return [part.value, ...names.map((name) => part.grads[name]!)];
        });
        const [value, ...grads] = probe.result as tf.Tensor[];
        sum.add(
          value as tf.Scalar,
          Object.fromEntries(names.map((name, i) => [name, grads[i]!])),
          PROBE_IMAGES / n,
        );
        const perImage = (SAFETY * Math.max(probe.peakBytes - before, 1)) / PROBE_IMAGES;
        this.chunk = Math.max(1, Math.floor((this.budgetBytes - before) / perImage));
        start = PROBE_IMAGES;
      }
      const chunk = this.chunk;
      for (; start < n; start += chunk) {
        const size = Math.min(chunk, n - start);
        const part = slicedGrads(loss, variables, x, y, start, size);
        sum.add(part.value, part.grads, size / n);
      }
      return sum.take();
    } finally {
      sum.dispose();
    }
  }

  /**
   * As `gradients`, but a split batch's head runs once over the whole batch (whole-batch-head.ts);
   * `loss` is the whole model's, for batches that are not split.
   */
  async splitGradients(
    split: WholeBatchHead,
    loss: LossFn,
    x: tf.Tensor,
    y: tf.Tensor1D,
  ): Promise<BatchGradients> {
    const variables = [...split.bodyVariables, ...split.headVariables];
    const hasBody = split.bodyVariables.length > 0;
    const chunk = await this.chunkFor(split, x);
    // A whole batch in one pass is one pass; without body weights to train, the split's body
    // forward needs no tape, which makes it the cheaper of the two even then.
    if (hasBody && chunk >= x.shape[0]!) return leanVariableGrads(() => loss(x, y), variables);
    const features = bodyFeatures(split, x, chunk);
    let head: ReturnType<typeof headGradients> | null = null;
    try {
      head = headGradients(split, features, y);
      const body = bodyGradients(split, x, head.dFeatures, chunk);
      return { value: head.value, grads: { ...head.grads, ...body } };
    } catch (error) {
      if (head != null) tf.dispose([head.value, ...Object.values(head.grads)]);
      throw error;
    } finally {
      tf.dispose([features, ...(head == null ? [] : [head.dFeatures])]);
    }
  }

  /** Phase 1 of a split step (whole-batch-head.ts) on these images, in this batcher's chunks. */
  async features(split: WholeBatchHead, x: tf.Tensor): Promise<tf.Tensor> {
    return bodyFeatures(split, x, await this.chunkFor(split, x));
  }

  /** Phase 3 of a split step on the images phase 1 ran on. */
  async bodyGradients(
    split: WholeBatchHead,
    x: tf.Tensor,
    dFeatures: tf.Tensor,
  ): Promise<tf.NamedTensorMap> {
    return bodyGradients(split, x, dFeatures, await this.chunkFor(split, x));
  }

  /** Whether the chunk size is known for batches of n (deciding it when no measure is needed). */
  private decided(n: number): boolean {
    if (this.chunk === null && (tf.getBackend() !== 'wasm' || n <= PROBE_IMAGES)) {
      this.chunk = Infinity;
    }
    return this.chunk !== null;
  }

  /**
   * The chunk size, measured for 'auto' on the first batch: the memory of phase 3 on two images
   * (of phase 1 when the body does not train), whose running statistics it puts back.
   */
  private async chunkFor(split: WholeBatchHead, x: tf.Tensor): Promise<number> {
    if (this.decided(x.shape[0]!)) return this.chunk!;
    const before = tf.memory().numBytes;
    const restore = keepStatistics(split);
    try {
      const probe = await tf.profile(() => {
        const xs = tf.slice(x, 0, PROBE_IMAGES);
        try {
          if (split.bodyVariables.length === 0) return tf.tidy(() => split.body(xs));
          const dy = tf.tidy(() => tf.onesLike(split.body(xs)));
          const grads = bodyGradients(split, xs, dy, PROBE_IMAGES);
          dy.dispose();
          return Object.values(grads);
        } finally {
          xs.dispose();
        }
      });
      tf.dispose(probe.result as tf.Tensor | tf.Tensor[]);
      const perImage = (SAFETY * Math.max(probe.peakBytes - before, 1)) / PROBE_IMAGES;
      this.chunk = Math.max(1, Math.floor((this.budgetBytes - before) / perImage));
      return this.chunk;
    } finally {
      restore();
    }
  }
}

function slicedGrads(
  loss: LossFn,
  variables: tf.Variable[],
  x: tf.Tensor,
  y: tf.Tensor1D,
  start: number,
  size: number,
): BatchGradients {
  const xs = tf.slice(x, start, size);
  const ys = tf.slice(y, start, size);
  try {
    return leanVariableGrads(() => loss(xs, ys), variables);
  } finally {
    tf.dispose([xs, ys]);
  }
}
