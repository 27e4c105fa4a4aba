'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Loader,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconDeviceFloppy } from '@tabler/icons-react';
import type { LabellingConfig, SplitConfig } from '@studio/shared';
import type { VersionCounts } from '@/server/datasets';
import { ClassCountTable } from './version-list';

export interface Preview {
  examples: { path: string; label: string }[];
  unlabelled: { count: number; examples: { path: string; reason: string }[] };
  classes: string[];
  counts: VersionCounts;
  splitKind: 'folders' | 'random';
  labelled: number;
  warnings: string[];
}

type Scheme = LabellingConfig['scheme'];

const SCHEMES: { value: Scheme; label: string; help: string }[] = [
  {
    value: 'folder',
    label: 'Folder names',
    help: 'Each image is labelled by its parent folder (fastai from_folder). train/ and valid/ (or validation/) folders can give the split.',
  },
  {
    value: 'regex',
    label: 'Pattern',
    help: 'A regular expression on the path or file name; its first capture group is the label (fastai from_name_re). Runs in linear time (RE2 syntax).',
  },
  {
    value: 'csv',
    label: 'CSV',
    help: 'A CSV that came with the images maps file names to labels (fastai from_csv). Use a delimiter for several labels per image.',
  },
  {
    value: 'rule',
    label: 'Rule',
    help: 'A small JavaScript function of the file name, run in a sandbox with time and memory limits (fastai from_name_func).',
  },
  { value: 'list', label: 'List', help: 'Paste file,label lines (fastai from_lists).' },
];

/** The labeller's inputs as the form holds them (columns may be a name or an index). */
interface LabellerValues {
  scheme: Scheme;
  pattern: string;
  target: 'path' | 'name';
  csvPath: string;
  fileColumn: string;
  labelColumn: string;
  labelDelimiter: string;
  code: string;
  listText: string;
  split: SplitConfig;
}

/** The labelling request of the chosen scheme, from the form's values. */
function toLabelling(values: LabellerValues): LabellingConfig {
  const { scheme, pattern, target, csvPath, fileColumn, labelColumn, labelDelimiter, code } =
    values;
  const column = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : v.trim());
  switch (scheme) {
    case 'folder':
      return { scheme };
    case 'regex':
      return { scheme, pattern, target };
    case 'csv':
      return {
        scheme,
        csvPath,
        fileColumn: column(fileColumn),
        labelColumn: column(labelColumn),
        labelDelimiter: labelDelimiter || undefined,
      };
    case 'rule':
      return { scheme, code };
    case 'list':
      return { scheme, text: values.listText };
  }
}

export function Labeller({
  datasetId,
  textFiles,
  samplePaths,
}: {
  datasetId: string;
  textFiles: string[];
  samplePaths: string[];
}) {
  const router = useRouter();
  const form = useForm<LabellerValues>({
    initialValues: {
      scheme: 'folder',
      pattern: '/([^/]+)_\\d+.jpg$/',
      target: 'path',
      csvPath: textFiles.find((t) => t.endsWith('labels.csv')) ?? textFiles[0] ?? 'labels.csv',
      fileColumn: '0',
      labelColumn: '1',
      labelDelimiter: '',
      code: "(name) => name.split('_')[0]",
      listText: '',
      split: { useFolderSplit: true, validPct: 0.2, seed: 42, stratified: true },
    },
  });
  const { scheme, split } = form.values;
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isLoading, setLoading] = useState(false);
  const [isSaving, setSaving] = useState(false);

  const labelling = useMemo(() => toLabelling(form.values), [form.values]);

  const request = useMemo(() => JSON.stringify({ labelling, split }), [labelling, split]);
  const [debounced] = useDebouncedValue(request, 350);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetch(`/api/datasets/${datasetId}/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: debounced,
      signal: controller.signal,
    })
      .then(async (r) => {
        const body = await r.json();
        if (!r.ok) {
          setError(body.error ?? `Preview failed (HTTP ${r.status}).`);
          setPreview(null);
        } else {
          setError(null);
          setPreview(body as Preview);
        }
      })
      .catch((e: Error) => e.name !== 'AbortError' && setError(e.message))
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [datasetId, debounced]);

  async function save() {
    setSaving(true);
    try {
      const r = await fetch(`/api/datasets/${datasetId}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request,
      });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ?? `Saving failed (HTTP ${r.status}).`);
      notifications.show({
        color: 'teal',
        title: `Version ${body.number} saved`,
        message: `${body.classes.length} classes; runs can now train on it.`,
      });
      router.refresh();
    } catch (e) {
      notifications.show({
        color: 'red',
        title: 'Could not save the version',
        message: (e as Error).message,
      });
    } finally {
      setSaving(false);
    }
  }

  const schemeHelp = SCHEMES.find((s) => s.value === scheme)!.help;
  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Stack>
          <Card>
            <Stack>
              <Title order={2} size="h4">
                Labels
              </Title>
              <SegmentedControl
                value={scheme}
                onChange={(v) => form.setFieldValue('scheme', v as Scheme)}
                data={SCHEMES.map((s) => ({ value: s.value, label: s.label }))}
                aria-label="Labelling scheme"
                fullWidth
              />
              <Text size="sm" c="dimmed">
                {schemeHelp}
              </Text>
              {scheme === 'regex' && (
                <>
                  <TextInput
                    label="Regular expression"
                    description="Example: /([^/]+)_\d+.jpg$/ labels images/great_pyrenees_173.jpg as great_pyrenees."
                    {...form.getInputProps('pattern')}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  />
                  <Select
                    label="Match against"
                    data={[
                      { value: 'path', label: 'Path inside the dataset' },
                      { value: 'name', label: 'File name only' },
                    ]}
                    value={form.values.target}
                    onChange={(v) => form.setFieldValue('target', (v as 'path' | 'name') ?? 'path')}
                    allowDeselect={false}
                  />
                </>
              )}
              {scheme === 'csv' && (
                <>
                  <Select
                    label="CSV file"
                    description={
                      textFiles.length
                        ? 'Text files that came with the images.'
                        : 'No CSV came with this dataset: upload one with the images, or use List.'
                    }
                    data={textFiles.length ? textFiles : ['labels.csv']}
                    value={form.values.csvPath}
                    onChange={(v) => form.setFieldValue('csvPath', v ?? 'labels.csv')}
                    allowDeselect={false}
                  />
                  <Group grow>
                    <TextInput
                      label="File column"
                      description="Name or 0-based index"
                      {...form.getInputProps('fileColumn')}
                    />
                    <TextInput
                      label="Label column"
                      description="Name or 0-based index"
                      {...form.getInputProps('labelColumn')}
                    />
                  </Group>
                  <TextInput
                    label="Label delimiter (optional)"
                    description="For several labels in one cell, e.g. a space."
                    {...form.getInputProps('labelDelimiter')}
                  />
                </>
              )}
              {scheme === 'rule' && (
                <Textarea
                  label="Rule"
                  description={`A function of the file name that returns the label. Sample names: ${samplePaths
                    .slice(0, 2)
                    .map((p) => p.split('/').pop())
                    .join(', ')}`}
                  {...form.getInputProps('code')}
                  autosize
                  minRows={3}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
              )}
              {scheme === 'list' && (
                <Textarea
                  label="file,label lines"
                  description={`One image per line, its path as shown under Files. Example: ${samplePaths[0] ?? 'photos/cat_1.jpg'},cat`}
                  {...form.getInputProps('listText')}
                  autosize
                  minRows={5}
                  maxRows={14}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
              )}
            </Stack>
          </Card>
          <Card>
            <Stack>
              <Title order={2} size="h4">
                Split
              </Title>
              <Switch
                label="Use train/ and valid/ folders when the dataset has them"
                {...form.getInputProps('split.useFolderSplit', { type: 'checkbox' })}
              />
              <Group grow>
                <NumberInput
                  label="Validation share"
                  description="fastai default 0.2"
                  min={0.01}
                  max={0.9}
                  step={0.05}
                  decimalScale={2}
                  value={split.validPct}
                  onChange={(v) => typeof v === 'number' && form.setFieldValue('split.validPct', v)}
                />
                <NumberInput
                  label="Seed"
                  description="Same seed, same split"
                  min={0}
                  value={split.seed}
                  onChange={(v) => typeof v === 'number' && form.setFieldValue('split.seed', v)}
                />
              </Group>
              <Switch
                label="Stratified (same share of every class)"
                {...form.getInputProps('split.stratified', { type: 'checkbox' })}
              />
            </Stack>
          </Card>
          <Button
            leftSection={<IconDeviceFloppy size={16} />}
            onClick={() => void save()}
            loading={isSaving}
            disabled={!preview || preview.classes.length < 2}
          >
            Save as a new version
          </Button>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <PreviewPanel preview={preview} error={error} isLoading={isLoading} />
      </Grid.Col>
    </Grid>
  );
}

function PreviewPanel({
  preview,
  error,
  isLoading,
}: {
  preview: Preview | null;
  error: string | null;
  isLoading: boolean;
}) {
  if (error) {
    return (
      <Alert
        color="red"
        icon={<IconAlertTriangle />}
        title="This labelling does not work yet"
        role="alert"
        data-testid="preview-error"
      >
        <Text style={{ whiteSpace: 'pre-wrap' }}>{error}</Text>
      </Alert>
    );
  }
  if (!preview) return <Loader aria-label="Computing preview" />;
  return (
    <Stack aria-busy={isLoading} data-testid="preview">
      <Card>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4">
            Preview
          </Title>
          <Group gap="xs">
            {isLoading && <Loader size="xs" aria-label="Updating" />}
            <Badge variant="light" data-testid="preview-classes">
              {preview.classes.length} classes
            </Badge>
            <Badge variant="light" color="grape">
              split: {preview.splitKind}
            </Badge>
          </Group>
        </Group>
        <Text size="sm" data-testid="preview-totals">
          {preview.labelled.toLocaleString('en')} labelled ·{' '}
          {sumCounts(preview.counts.train).toLocaleString('en')} train /{' '}
          {sumCounts(preview.counts.valid).toLocaleString('en')} validation
          {sumCounts(preview.counts.test) > 0
            ? ` / ${sumCounts(preview.counts.test).toLocaleString('en')} test`
            : ''}{' '}
          · {preview.unlabelled.count.toLocaleString('en')} without a label
        </Text>
      </Card>
      <Card p={0}>
        <Table verticalSpacing={4} aria-label="File to label examples">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>File</Table.Th>
              <Table.Th>Label</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.examples.map((e) => (
              <Table.Tr key={e.path}>
                <Table.Td>
                  <code>{e.path}</code>
                </Table.Td>
                <Table.Td>
                  <Badge variant="outline">{e.label}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      {preview.warnings.length > 0 && (
        <Alert color="yellow" title="Check before saving" data-testid="preview-warnings">
          {preview.warnings.map((w) => (
            <Text size="sm" key={w}>
              {w}
            </Text>
          ))}
        </Alert>
      )}
      {preview.unlabelled.count > 0 && (
        <Alert
          color="orange"
          title={`${preview.unlabelled.count.toLocaleString('en')} images got no label and will be left out`}
          data-testid="preview-unlabelled"
        >
          {preview.unlabelled.examples.map((u) => (
            <Text size="sm" key={u.path}>
              <code>{u.path}</code>: {u.reason}
            </Text>
          ))}
        </Alert>
      )}
      <Card>
        <ClassCountTable classes={preview.classes} counts={preview.counts} />
      </Card>
    </Stack>
  );
}

function sumCounts(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
}
