import type * as tfl from '@tensorflow/tfjs-layers';

/** The name a weight is saved and optimised under: "<layer>/<weight>", e.g. "head.bn1/gamma". */
export const weightKey = (layer: tfl.layers.Layer, w: tfl.LayerVariable) =>
  `${layer.name}/${w.originalName.split('/').at(-1)!}`;
