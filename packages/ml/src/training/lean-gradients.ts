/**
 * `tf.variableGrads` with a backward pass that frees memory as it goes.
 *
 * tfjs-core 4.22 keeps, until a backward pass ends, every tensor a gradient function saved and
 * every intermediate gradient it computed, so a training step's peak holds the gradient of every
 * activation on top of the saved ones. Here each tape node, once its inputs' gradients are
 * computed, releases its outputs' gradients and the tensors it saved, which no node before it
 * uses, so a step's peak memory is a fraction of tf.variableGrads' (figures in
 * docs/benchmarks.md, "Design choices").
 *
 * The walk is the engine's own (its tape, in reverse, gradient functions called the same way,
 * in the same order, so the numbers are identical); it reads the engine's tape and its private
 * `startTape` / `endTape`. Where those are not as expected (another tfjs version) or a gradient
 * is already being recorded (higher-order gradients), tf.variableGrads runs instead.
 * lean-gradients.test.ts compares both.
 */
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
}

export interface VariableGrads {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

function internals(): EngineInternals | null {
  const engine = tf.engine() as unknown as Partial<EngineInternals>;
  const ok =
    typeof engine.startTape === 'function' &&
    typeof engine.endTape === 'function' &&
    engine.state?.gradientDepth === 0;
  return ok ? (engine as EngineInternals) : null;
}

/**
 * The loss `f` returns and its gradients with respect to the trainable variables of `vars`
 * (keyed by variable name; variables that are not trainable or get no gradient have no entry).
 */
export function leanVariableGrads(f: () => tf.Scalar, vars: readonly tf.Variable[]): VariableGrads {
  const engine = internals();
  if (engine == null) return tf.variableGrads(f, [...vars]);
  const xs = vars.filter((v) => v.trainable);
  if (xs.length === 0) {
    throw new Error(`None of the ${vars.length} variables given for gradients is trainable.`);
  }
  let value: tf.Tensor;
  // The engine's state has no tape before its first gradient; startTape makes one.
  engine.startTape();
  try {
    value = tf.tidy('forward', f);
  } catch (error) {
    releaseTape(engine);
    throw error;
  } finally {
    engine.endTape();
  }
  const tape = engine.state.activeTape ?? [];
  try {
    if (!(value instanceof tf.Tensor) || value.rank !== 0) {
      const rank = value instanceof tf.Tensor ? `a rank-${value.rank} tensor` : 'no tensor';
      throw new Error(`The loss function must return a scalar; it returned ${rank}.`);
    }
    const y = value;
    const grads = tf.tidy('backward', () =>
      backward(nodesFromXsToY(tape, xs, y), xs, y),
    ) as unknown as (tf.Tensor | null)[];
    if (grads.every((g) => g == null)) {
      throw new Error(
        'No variable given leads to the loss: the loss function must use them to compute it.',
      );
    }
    const named: tf.NamedTensorMap = {};
    xs.forEach((x, i) => {
      if (grads[i] != null) named[x.name] = grads[i]!;
    });
    return { value: y as tf.Scalar, grads: named };
  } catch (error) {
    tf.dispose(value);
    throw error;
  } finally {
    releaseTape(engine);
  }
}

/** Frees what the tape's nodes saved and ends the tape, as the engine does after gradients. */
function releaseTape(engine: EngineInternals): void {
  for (const node of engine.state.activeTape ?? []) tf.dispose(node.saved ?? []);
  engine.state.activeTape = null;
}

/**
 * The tape nodes on a path from one of `xs` to `y`, in tape order, each with only the inputs
 * that depend on `xs` (the only ones that get a gradient).
 */
function nodesFromXsToY(tape: TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromXs = new Set(xs.map((x) => x.id));
  const nodesFromXs = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromXs.has(input.id))) {
      nodesFromXs.add(node.id);
      for (const output of node.outputs) fromXs.add(output.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((output) => toY.has(output.id))) {
      nodesToY.add(node.id);
      for (const input of Object.values(node.inputs)) toY.add(input.id);
    }
  }
  return tape
    .filter((node) => nodesFromXs.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).filter(([, input]) => fromXs.has(input.id)),
      ),
    }));
}

/**
 * Gradients of `y` for `xs` (null where none), walking `nodes` backwards; frees each node's
 * outputs' gradients and saved tensors once the node is done. A gradient function may hand back
 * a tensor it was given (its dy), so a tensor is disposed only when no other entry holds it.
 */
function backward(nodes: TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): tf.TensorContainer {
  const gradOf = new Map<number, tf.Tensor>();
  const holders = new Map<tf.Tensor, number>();
  const hold = (id: number, t: tf.Tensor) => {
    gradOf.set(id, t);
    holders.set(t, (holders.get(t) ?? 0) + 1);
  };
  const release = (id: number) => {
    const t = gradOf.get(id);
    if (t == null) return;
    gradOf.delete(id);
    const left = holders.get(t)! - 1;
    if (left > 0) holders.set(t, left);
    else {
      holders.delete(t);
      t.dispose();
    }
  };
  const wanted = new Set(xs.map((x) => x.id));
  hold(y.id, tf.onesLike(y));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (node.gradient == null) {
      throw new Error(`Cannot compute a gradient: ${node.kernelName} has no gradient function.`);
    }
    const gradient = node.gradient;
    const inputs = Object.entries(node.inputs);
    // One scope for the node: some gradient functions (tf.customGrad's) compute every input's
    // gradient when called, with temporaries that would otherwise live to the end of the pass.
    const dxs = tf.tidy(() => {
      const inputGrads = gradient(node.outputs.map((o) => gradOf.get(o.id) ?? null));
      return inputs.map(([name]) => {
        const gradFn = inputGrads[name];
        if (gradFn == null) {
          throw new Error(
            `Cannot compute a gradient: ${node.kernelName} gives none for "${name}".`,
          );
        }
        return gradFn();
      });
    });
    for (const [k, [name, input]] of inputs.entries()) {
      const dx = dxs[k]!;
      if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, input.shape)) {
        throw new Error(
          `The gradient of ${node.kernelName} for "${name}" is ${dx.dtype} ${JSON.stringify(dx.shape)}; expected float32 ${JSON.stringify(input.shape)}.`,
        );
      }
      const previous = gradOf.get(input.id);
      if (previous == null) hold(input.id, dx);
      else {
        const sum = tf.add(previous, dx);
        release(input.id);
        hold(input.id, sum);
      }
    }
    // Added into a sum (the same tensor may be returned for two inputs: disposed once, after).
    for (const dx of dxs) if (!holders.has(dx)) dx.dispose();
    for (const output of node.outputs) if (!wanted.has(output.id)) release(output.id);
    for (const t of node.saved ?? []) if (!holders.has(t)) t.dispose();
  }
  return xs.map((x) => gradOf.get(x.id) ?? null) as tf.TensorContainer;
}
