'use client';

import { useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Group,
  List,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { DropArea } from '../drop-area';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCloudUpload, IconFileUpload } from '@tabler/icons-react';
import {
  DEFAULT_NORMALIZATION_PRESET,
  NORMALIZATION_PRESETS,
  type NormalizationPreset,
  type UploadedBackboneSummary,
} from '@studio/shared';
import { formatBytes } from '@/components/runs/format';
import { sendWithProgress } from '@/lib/upload';

const PRESET_OPTIONS = [
  ...Object.entries(NORMALIZATION_PRESETS).map(([value, p]) => ({ value, label: p.label })),
  { value: 'custom', label: 'Custom mean and std' },
];

const nameFromFiles = (files: File[]) => {
  const zip = files.find((f) => /\.zip$/i.test(f.name));
  return zip ? zip.name.replace(/\.zip$/i, '') : '';
};

/** Drop a tfjs LayersModel folder (or its zip), say how to feed and cut it, upload. */
export function BackboneUpload({
  onUploaded,
}: {
  onUploaded: (backbone: UploadedBackboneSummary) => void;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [cutLayer, setCutLayer] = useState('');
  const [preset, setPreset] = useState<NormalizationPreset | 'custom'>(
    DEFAULT_NORMALIZATION_PRESET,
  );
  const [mean, setMean] = useState('0.5, 0.5, 0.5');
  const [std, setStd] = useState('0.5, 0.5, 0.5');
  const [sent, setSent] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);

  const choose = (dropped: File[]) => {
    setProblem(null);
    setFiles(dropped);
    if (!name) setName(nameFromFiles(dropped));
  };

  async function upload() {
    setProblem(null);
    const form = new FormData();
    form.set('name', name);
    if (cutLayer.trim()) form.set('cutLayer', cutLayer.trim());
    const stats = preset === 'custom' ? { mean, std } : NORMALIZATION_PRESETS[preset].stats;
    form.set('mean', String(stats.mean));
    form.set('std', String(stats.std));
    for (const file of files) form.append('files', file, file.name);
    setSent(0);
    try {
      const result = (await sendWithProgress('/api/backbones', form, setSent)) as {
        backbone: UploadedBackboneSummary;
        ignored: string[];
      };
      notifications.show({
        color: 'teal',
        message:
          `Uploaded "${result.backbone.name}" (cut after ${result.backbone.cutLayer}).` +
          (result.ignored.length ? ` Not needed, not stored: ${result.ignored.join(', ')}.` : ''),
      });
      onUploaded(result.backbone);
      setFiles([]);
      setName('');
      setCutLayer('');
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setSent(null);
    }
  }

  const isUploading = sent !== null;
  return (
    <Card>
      <Title order={2} size="h4" mb="xs">
        Upload a backbone
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        A TensorFlow.js LayersModel folder: <code>model.json</code> and the weight files it names (
        <code>group1-shard1of1.bin</code>…), as <code>tensorflowjs_converter</code> writes them from
        a Keras model, or one .zip of that folder. The studio checks every file before storing
        anything.
      </Text>
      <Stack gap="md">
        <DropArea
          onDrop={choose}
          loading={isUploading}
          multiple
          aria-label="Drop model.json and its weight files here"
          icon={IconCloudUpload}
          title="Drag model.json and its .bin shards here"
          description="Or click to choose them. A .zip of the folder works too; other files (README, labels) are ignored. Up to 300 MiB."
          minHeight={120}
        />
        {files.length > 0 && (
          <div>
            <Text size="sm" fw={500}>
              {files.length} file{files.length === 1 ? '' : 's'}, {formatBytes(totalBytes)}
            </Text>
            <List size="sm" c="dimmed" spacing={2}>
              {files.slice(0, 8).map((f) => (
                <List.Item key={f.name} icon={<IconFileUpload size={14} aria-hidden />}>
                  {f.name} ({formatBytes(f.size)})
                </List.Item>
              ))}
              {files.length > 8 && <List.Item>… and {files.length - 8} more</List.Item>}
            </List>
          </div>
        )}
        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
          <TextInput
            label="Name"
            description="How the backbone appears in the architecture list of a new run."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
          />
          <TextInput
            label="Cut layer"
            description="The layer whose output is the body's feature map. Default: the last layer with a 4-D output, i.e. just before global pooling or flatten."
            placeholder="default: last 4-D layer"
            value={cutLayer}
            onChange={(e) => setCutLayer(e.currentTarget.value)}
          />
          <Select
            label="Input normalisation"
            description="What the network was trained on, from pixels in [0, 1]: (x − mean) / std. Wrong stats still train, but start worse."
            data={PRESET_OPTIONS}
            value={preset}
            onChange={(v) => v && setPreset(v as NormalizationPreset | 'custom')}
            allowDeselect={false}
          />
        </SimpleGrid>
        {preset === 'custom' && (
          <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
            <TextInput
              label="Mean (R, G, B)"
              value={mean}
              onChange={(e) => setMean(e.currentTarget.value)}
            />
            <TextInput
              label="Std (R, G, B)"
              value={std}
              onChange={(e) => setStd(e.currentTarget.value)}
            />
          </SimpleGrid>
        )}
        {isUploading && (
          <Progress
            value={totalBytes ? (100 * sent) / totalBytes : 0}
            aria-label="Upload progress"
            animated
          />
        )}
        {problem && (
          <Alert color="red" icon={<IconAlertTriangle />} role="alert" title="Not uploaded">
            {problem}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button
            leftSection={<IconCloudUpload size={16} />}
            onClick={() => void upload()}
            loading={isUploading}
            disabled={files.length === 0 || !name.trim()}
          >
            Check and upload
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
