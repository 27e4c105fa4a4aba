'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPlayerPlay, IconPlus, IconUpload } from '@tabler/icons-react';
import {
  ARCHS,
  createRunRequest,
  runConfig,
  type ArchId,
  type RunArch,
  type UploadedBackboneSummary,
} from '@studio/shared';
import type { TrainableVersion } from '@/server/runs';
import { LabelledSegmentedControl } from '../labelled-segmented-control';
import { RunPreviews } from '../preview/run-previews';
import { AugmentFields, type AugmentForm } from './augment-fields';
import { adviseBatchSize } from './batch-advice';
import { ARCH_NOTES, CONFIG_DOCS } from './config-docs';
import { toStageSpec, type StageDraft } from './stage-draft';
import { SettingHelp } from './setting-help';
import { StagePlanEditor } from './stage-plan-editor';

const DEFAULTS = runConfig.parse({});
const DEFAULT_ARCH: ArchId = 'mobilenet_v2_1.0';

const BUILT_IN_OPTIONS = [
  {
    group: 'Available offline',
    items: ARCHS.filter((a) => ARCH_NOTES[a].isOffline).map((a) => ({ value: a, label: a })),
  },
  {
    group: 'Weights download on first use',
    items: ARCHS.filter((a) => !ARCH_NOTES[a].isOffline).map((a) => ({ value: a, label: a })),
  },
];

const archOptions = (uploaded: UploadedBackboneSummary[]) =>
  uploaded.length === 0
    ? BUILT_IN_OPTIONS
    : [
        ...BUILT_IN_OPTIONS,
        { group: 'Uploaded', items: uploaded.map((b) => ({ value: b.arch, label: b.name })) },
      ];

function describeArch(arch: RunArch, uploaded: UploadedBackboneSummary[]): string {
  if (arch in ARCH_NOTES) {
    const { note, measured } = ARCH_NOTES[arch as ArchId];
    return measured ? `${note} ${measured}` : note;
  }
  const b = uploaded.find((u) => u.arch === arch);
  return b
    ? `Your upload: cut after ${b.cutLayer}, input normalised with mean [${b.normalization.mean.join(', ')}] and std [${b.normalization.std.join(', ')}].`
    : '';
}

const defaultName = (version: TrainableVersion, arch: string) =>
  `${version.dataset.name} v${version.number} ${arch}`;

/** Uploaded backbones for the architecture list; the built-in ones work without them. */
function useUploadedBackbones(): UploadedBackboneSummary[] {
  const [uploaded, setUploaded] = useState<UploadedBackboneSummary[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/backbones', { signal: controller.signal })
      .then((r) => (r.ok ? r.json() : { backbones: [] }))
      .then((body: { backbones: UploadedBackboneSummary[] }) => setUploaded(body.backbones))
      .catch(() => undefined);
    return () => controller.abort();
  }, []);
  return uploaded;
}

/** The form's values: the run request's fields as the inputs hold them (numbers may be text). */
interface RunFormValues {
  name: string;
  arch: RunArch;
  config: Omit<typeof DEFAULTS, 'size' | 'bs' | 'seed' | 'precomputeViews' | 'augment'> & {
    size: number | string;
    bs: number | string;
    seed: number | string;
    precomputeViews: number | string;
    augment: AugmentForm;
  };
  stages: StageDraft[];
}

/** Everything a run needs before it trains: backbone, data settings, augmentation, stages. */
export function NewRunForm({ version }: { version: TrainableVersion }) {
  const router = useRouter();
  const uploaded = useUploadedBackbones();
  const form = useForm<RunFormValues>({
    initialValues: {
      name: defaultName(version, DEFAULT_ARCH),
      arch: DEFAULT_ARCH,
      config: DEFAULTS,
      stages: [],
    },
  });
  const [isNameEdited, setIsNameEdited] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState<'create' | 'start' | null>(null);
  const { arch, config, stages } = form.values;
  const { size, resizeMode, seed, augment, precompute } = config;
  const batchAdvice = adviseBatchSize(Number(config.bs) || 1, version.trainCount);
  const errors = form.errors;

  const chooseArch = (value: RunArch) => {
    form.setFieldValue('arch', value);
    // The default name follows the architecture until the person writes their own.
    const label = uploaded.find((b) => b.arch === value)?.name ?? value;
    if (!isNameEdited) form.setFieldValue('name', defaultName(version, label));
  };

  async function submit(launch: boolean) {
    setProblem(null);
    const checkedStages = stages.map(toStageSpec);
    const stageError = checkedStages.findIndex((s) => s.error);
    if (stageError >= 0) {
      setProblem(`Stage ${stageError + 1}: ${checkedStages[stageError]!.error}`);
      return;
    }
    // The shared schema checks the values; its issue paths are the form's field paths.
    const parsed = createRunRequest.safeParse({
      versionId: version.id,
      name: form.values.name,
      arch,
      config,
      stages: checkedStages.map((s) => s.spec),
      launch,
    });
    if (!parsed.success) {
      form.setErrors(
        Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])),
      );
      setProblem('Some settings need fixing; see the fields marked in red.');
      return;
    }
    form.clearErrors();
    setSubmitting(launch ? 'start' : 'create');
    try {
      const response = await fetch('/api/runs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(parsed.data),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string; error?: string };
      if (!response.ok || !body.id) throw new Error(body.error ?? `HTTP ${response.status}`);
      notifications.show({
        color: 'teal',
        message: launch ? 'Run created and queued' : 'Run created',
      });
      router.push(`/runs/${body.id}`);
    } catch (error) {
      setProblem(`The run was not created: ${(error as Error).message}`);
      setSubmitting(null);
    }
  }

  const hasStages = stages.length > 0;
  return (
    <Stack gap="lg">
      <Card>
        <Title order={2} size="h4" mb="sm">
          Model
        </Title>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          <TextInput
            label="Name"
            description={CONFIG_DOCS.name}
            {...form.getInputProps('name')}
            onChange={(event) => {
              form.setFieldValue('name', event.currentTarget.value);
              setIsNameEdited(true);
            }}
            required
          />
          <Select
            label="Architecture"
            description={describeArch(arch, uploaded)}
            data={archOptions(uploaded)}
            value={arch}
            onChange={(value) => value && chooseArch(value as RunArch)}
            allowDeselect={false}
            error={errors.arch}
          />
        </SimpleGrid>
        <Group justify="space-between" align="flex-start" mt="xs" gap="xs" wrap="nowrap">
          <Text size="xs" c="dimmed">
            {CONFIG_DOCS.arch} Uploaded backbones are your own tfjs networks: the body up to their
            cut layer, with fastai&apos;s head on top.
          </Text>
          <Anchor component={Link} href="/backbones" size="xs" style={{ whiteSpace: 'nowrap' }}>
            <Group gap={4} wrap="nowrap">
              <IconUpload size={12} aria-hidden />
              Upload a backbone
            </Group>
          </Anchor>
        </Group>
      </Card>
      <Card>
        <Title order={2} size="h4" mb="sm">
          Data
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
          <NumberInput
            label="Image size"
            description={CONFIG_DOCS.size}
            {...form.getInputProps('config.size')}
            min={32}
            max={512}
            step={32}
            allowDecimal={false}
            suffix=" px"
          />
          <LabelledSegmentedControl
            label="Resize mode"
            description={CONFIG_DOCS.resizeMode}
            value={resizeMode}
            onChange={(value) => form.setFieldValue('config.resizeMode', value)}
            data={['crop', 'pad', 'squish']}
          />
          <Stack gap={6}>
            <NumberInput
              label="Batch size"
              description={
                <SettingHelp
                  setting="bs"
                  extra={`This version has ${version.trainCount.toLocaleString('en')} training images.`}
                />
              }
              {...form.getInputProps('config.bs')}
              min={1}
              clampBehavior="none"
              allowDecimal={false}
              error={
                errors['config.bs'] ??
                (batchAdvice.kind === 'too-large' ? batchAdvice.message : undefined)
              }
            />
            {batchAdvice.kind === 'few-steps' && (
              <Alert color="yellow" p="xs" data-testid="batch-advice">
                <Text size="sm">{batchAdvice.message}</Text>
                <Button
                  mt={6}
                  size="compact-sm"
                  variant="light"
                  color="yellow"
                  onClick={() => form.setFieldValue('config.bs', batchAdvice.suggested)}
                >
                  Use batch size {batchAdvice.suggested}
                </Button>
              </Alert>
            )}
          </Stack>
          <Checkbox.Group
            label="Metrics"
            description={CONFIG_DOCS.metrics}
            {...form.getInputProps('config.metrics')}
          >
            <Group mt={6}>
              <Checkbox value="error_rate" label="error_rate" />
              <Checkbox value="accuracy" label="accuracy" />
            </Group>
          </Checkbox.Group>
          <NumberInput
            label="Seed"
            description={CONFIG_DOCS.seed}
            {...form.getInputProps('config.seed')}
            min={0}
            allowDecimal={false}
          />
          <LabelledSegmentedControl
            label="Feature cache for frozen stages"
            description={<SettingHelp setting="precompute" />}
            value={precompute}
            onChange={(value) => form.setFieldValue('config.precompute', value)}
            data={[
              { value: 'auto', label: 'Auto' },
              { value: 'on', label: 'On' },
              { value: 'off', label: 'Off' },
            ]}
          />
          <NumberInput
            label="Cached views per image"
            description={<SettingHelp setting="precomputeViews" />}
            {...form.getInputProps('config.precomputeViews')}
            min={0}
            max={16}
            allowDecimal={false}
            disabled={precompute === 'off'}
          />
        </SimpleGrid>
      </Card>
      <AugmentFields
        value={augment}
        onChange={(value) => form.setFieldValue('config.augment', value)}
        errors={errors}
      />
      <RunPreviews versionId={version.id} settings={{ size, resizeMode, seed, augment }} />
      <StagePlanEditor stages={stages} onChange={(value) => form.setFieldValue('stages', value)} />
      {problem && (
        <Alert color="red" icon={<IconAlertTriangle />} role="alert">
          {problem}
        </Alert>
      )}
      <Group justify="flex-end">
        {!hasStages && (
          <Text size="sm" c="dimmed">
            Add stages (or use the lesson&apos;s plan) to start training right away.
          </Text>
        )}
        <Button
          variant="default"
          leftSection={<IconPlus size={16} />}
          loading={submitting === 'create'}
          disabled={submitting !== null}
          onClick={() => submit(false)}
        >
          Create
        </Button>
        <Button
          leftSection={<IconPlayerPlay size={16} />}
          loading={submitting === 'start'}
          disabled={submitting !== null || !hasStages}
          onClick={() => submit(true)}
        >
          Create and start
        </Button>
      </Group>
    </Stack>
  );
}
