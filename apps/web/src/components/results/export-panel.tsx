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
        normalisation). It loads in Node or the browser without the studio.
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
    </Stack>
  );
}
