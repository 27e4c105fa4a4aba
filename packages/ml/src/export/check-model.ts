/** Checks shared by exporting and loading: classes and a model that fit each other. */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Preprocessing } from './preprocessing';

export function checkClasses(classes: unknown, where = 'classes'): asserts classes is string[] {
  if (
    !Array.isArray(classes) ||
    classes.length === 0 ||
    !classes.every((c) => typeof c === 'string' && c !== '')
  ) {
    throw new Error(`${where} must be a non-empty array of non-empty class names.`);
  }
  const duplicate = classes.find((c, i) => classes.indexOf(c) !== i);
  if (duplicate != null) throw new Error(`${where} lists "${duplicate}" twice.`);
}

/** The model's input and output shapes must agree with the preprocessing and the classes. */
export function checkModelMatches(
  model: tfl.LayersModel,
  classes: readonly string[],
  preprocessing: Preprocessing,
  where: string,
): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `${where}: expected a model with one input and one output, found ${model.inputs.length} and ${model.outputs.length}.`,
    );
  }
  const [, h, w, ch] = model.inputs[0]!.shape;
  const [size, , channels] = preprocessing.inputShape;
  const fits = (dim: number | null | undefined, want: number) => dim == null || dim === want;
  if (!fits(h, size) || !fits(w, size) || !fits(ch, channels)) {
    throw new Error(
      `${where}: the model takes [${h}, ${w}, ${ch}] images but preprocessing says [${preprocessing.inputShape.join(', ')}] (size ${size}).`,
    );
  }
  const outputs = model.outputs[0]!.shape;
  if (outputs.length !== 2 || outputs[1] !== classes.length) {
    throw new Error(
      `${where}: the model outputs shape [${outputs.map(String).join(', ')}] but there are ${classes.length} classes; expected [null, ${classes.length}].`,
    );
  }
}
