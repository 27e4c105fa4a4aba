import type * as tfl from '@tensorflow/tfjs-layers';
import { LAYER_CONVERTERS } from './layer-converters';
import { layersModelToOnnx } from './layers-to-onnx';

export { UnsupportedLayerError } from './layers-to-onnx';

/**
 * `model` in inference mode as ONNX bytes: input "input" (NHWC images, any batch), output
 * "output" in the model's own layout.
 */
export function toOnnx(model: tfl.LayersModel): Uint8Array {
  return layersModelToOnnx(model, LAYER_CONVERTERS);
}
