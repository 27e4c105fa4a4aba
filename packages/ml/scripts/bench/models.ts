import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { createResNet, flattenLayers, loadBackbone } from '../../src/models/index';
import type { BenchRow } from './options';

export const NUM_CLASSES = 10;

/**
 * The network of a row with a 10-class top, like torch_reference.py's `build`. ResNets get
 * random torchvision-style init (speed does not depend on the weights); a MobileNetV2 is its
 * offline pretrained body (the only copy of it here) with global pooling + a dense layer,
 * torchvision's classifier minus its dropout. Every layer is made trainable.
 */
export async function buildBenchModel(row: BenchRow, sharedDir: string): Promise<tfl.LayersModel> {
  const inputShape: [number, number, number] = [row.size, row.size, 3];
  if (row.arch.startsWith('resnet')) {
    const depth = Number(row.arch.slice('resnet'.length)) as 18 | 34 | 50;
    return createResNet({ depth, includeTop: true, numClasses: NUM_CLASSES, inputShape });
  }
  const { body } = await loadBackbone(row.arch, {
    pretrainedDir: join(sharedDir, 'pretrained'),
  });
  const bodyInputShape = body.inputs[0]!.shape.slice(1);
  if (bodyInputShape.some((side, i) => side != null && side !== inputShape[i])) {
    throw new Error(
      `${row.arch} body takes ${JSON.stringify(bodyInputShape)}, the row asks for ${row.size} px.`,
    );
  }
  const pooled = tfl.layers
    .globalAveragePooling2d({ name: 'bench_pool' })
    .apply(body.outputs[0]!) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: NUM_CLASSES, name: 'bench_fc' })
    .apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: body.inputs, outputs: logits, name: row.arch });
  model.trainable = true;
  for (const layer of flattenLayers(model)) layer.trainable = true;
  return model;
}
