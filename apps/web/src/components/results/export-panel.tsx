'use client';

import { Anchor, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { IconDownload, IconTable } from '@tabler/icons-react';
import type { ExportFileInfo } from '@/server/interpretation';
import { formatBytes } from '../runs/format';

const USAGE = `// Node: npm install @tensorflow/tfjs-node sharp
import * as tf from '@tensorflow/tfjs-node';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';

const pre = JSON.parse(await readFile('export/preprocessing.json', 'utf8'));
const classes = JSON.parse(await readFile('export/classes.json', 'utf8'));
const model = await tf.loadLayersModel('file://export/model.json');
const [h, w] = pre.inputShape;
// resizeMode "crop": centre crop (sharp fit 'cover'); "squish": stretch (fit 'fill');
// "pad": fit inside and pad the rest
const { data } = await sharp('photo.jpg').rotate().removeAlpha()
  .resize(w, h, { fit: pre.resizeMode === 'crop' ? 'cover' : 'fill' })
  .raw().toBuffer({ resolveWithObject: true });
// normalize: { kind: 'imagenet' } | { kind: 'stats', mean, std } | { kind: 'scale', min, max }
const n = pre.normalize;
const stats = n.kind === 'imagenet'
  ? { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } : n;
const x = tf.tensor(Float32Array.from(data, (v, i) => n.kind === 'scale'
  ? n.min + (v / 255) * (n.max - n.min)
  : (v / 255 - stats.mean[i % 3]) / stats.std[i % 3]), [1, h, w, 3]);
const probs = await model.predict(x).data();
console.log(classes[probs.indexOf(Math.max(...probs))]);`;

const ONNX_PYTHON = `# Python: pip install onnxruntime pillow numpy
import json, numpy as np, onnxruntime as ort
from PIL import Image, ImageOps

pre = json.load(open('export/preprocessing.json'))
classes = json.load(open('export/classes.json'))
h, w = pre['inputShape'][:2]
img = ImageOps.fit(Image.open('photo.jpg').convert('RGB'), (w, h))  # resizeMode "crop"
x = np.asarray(img, np.float32)[None] / 255  # NHWC, like the studio
n = pre['normalize']
if n['kind'] == 'scale': x = n['min'] + x * (n['max'] - n['min'])
else:
    mean, std = ([.485, .456, .406], [.229, .224, .225]) if n['kind'] == 'imagenet' else (n['mean'], n['std'])
    x = (x - np.float32(mean)) / np.float32(std)
logits = ort.InferenceSession('export/model.onnx').run(None, {'input': x})[0]
print(classes[int(logits.argmax())])`;

const ONNX_NODE = `// Node: npm install onnxruntime-node, and x prepared as in the TensorFlow.js example
import * as ort from 'onnxruntime-node';
const session = await ort.InferenceSession.create('export/model.onnx');
const { output } = await session.run({ input: new ort.Tensor('float32', x.dataSync(), [1, h, w, 3]) });
console.log(classes[output.data.indexOf(Math.max(...output.data))]);`;

/** learn.export(): the network with its classes and preprocessing, to use outside the studio. */
export function ExportPanel({
  stageId,
  files,
  bytes,
}: {
  stageId: string;
  files: ExportFileInfo[];
  bytes: number;
}) {
  return (
    <Stack>
      <Text size="sm" c="dimmed" maw={720}>
        A TensorFlow.js LayersModel (<Code>model.json</Code> and weight shards) with{' '}
        <Code>classes.json</Code> and <Code>preprocessing.json</Code> (input size, resize mode,
        normalisation). It loads in Node or the browser without the studio. The same network is in{' '}
        <Code>model.onnx</Code> for ONNX Runtime (Python, C++, C#, Node), with the same classes and
        preprocessing.
      </Text>
      <Group>
        <Button
          component="a"
          href={`/api/stages/${stageId}/export`}
          download
          leftSection={<IconDownload size={16} />}
        >
          Download the model ({formatBytes(bytes)})
        </Button>
        <Button
          component="a"
          href={`/api/stages/${stageId}/confusion.csv`}
          download
          variant="default"
          leftSection={<IconTable size={16} />}
        >
          Confusion matrix as CSV
        </Button>
      </Group>
      <Table withTableBorder w="auto" miw={360} aria-label="Exported files">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>file</Table.Th>
            <Table.Th ta="right">size</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {files.map((f) => (
            <Table.Tr key={f.name}>
              <Table.Td ff="monospace">{f.name}</Table.Td>
              <Table.Td ta="right">{formatBytes(f.bytes)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" fw={600}>
        Using it outside the studio
      </Text>
      <Code block>{USAGE}</Code>
      <Text size="xs" c="dimmed">
        The same steps in the browser use{' '}
        <Anchor href="https://www.npmjs.com/package/@tensorflow/tfjs">@tensorflow/tfjs</Anchor> and
        a canvas instead of sharp.
      </Text>
      <Text size="sm" fw={600}>
        With ONNX Runtime
      </Text>
      <Text size="sm" c="dimmed" maw={720}>
        <Code>model.onnx</Code> takes the same NHWC input named <Code>input</Code> and gives the
        logits as <Code>output</Code>; apply softmax for probabilities.
      </Text>
      <Code block aria-label="Running model.onnx with Python">
        {ONNX_PYTHON}
      </Code>
      <Code block aria-label="Running model.onnx with Node">
        {ONNX_NODE}
      </Code>
    </Stack>
  );
}
