'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useViewer } from '@/components/viewer-context';
import { IconEye, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { postJson } from '../auth/post-json';
import type { VersionCounts } from '@/server/datasets';
import { EmptyState } from '../empty-state';
import { ShowBatch } from '../preview/show-batch';

interface Version {
  id: string;
  number: number;
  labelling: Record<string, unknown>;
  split: Record<string, unknown>;
  classes: string[];
  counts: VersionCounts;
  unlabelled: number;
  createdAt: string;
  /** Runs that train on it: a version in use cannot be deleted. */
  runs: number;
}

const sum = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

export function VersionList({
  datasetId,
  versions,
  mayDelete,
}: {
  datasetId: string;
  versions: Version[];
  mayDelete: boolean;
}) {
  const { canWrite } = useViewer();
  const [deleting, setDeleting] = useState<Version | null>(null);
  if (versions.length === 0) {
    return (
      <EmptyState
        title="No versions yet"
        description="Choose how images are labelled and split under “Label & split”, then save: each save is an immutable version that runs train on."
      />
    );
  }
  return (
    <Stack>
      {versions.map((v) => (
        <Card key={v.id} data-testid={`version-${v.number}`}>
          <Group justify="space-between" mb="sm">
            <Title order={3} size="h4">
              Version {v.number}
            </Title>
            <Group gap="xs">
              <Badge variant="light">labels: {String(v.labelling.scheme)}</Badge>
              <Badge variant="light" color="grape">
                {v.split.kind === 'folders'
                  ? 'split: folders'
                  : `split: random ${Math.round(Number(v.split.validPct) * 100)}%, seed ${String(v.split.seed)}${v.split.stratified ? ', stratified' : ''}`}
              </Badge>
              <Badge variant="light" color="gray">
                c = {v.classes.length}
              </Badge>
              {canWrite && (
                <Button
                  component={Link}
                  href={`/runs/new?versionId=${v.id}`}
                  size="xs"
                  leftSection={<IconPlayerPlay size={14} />}
                  aria-label={`Train a model on version ${v.number}`}
                >
                  Train a model
                </Button>
              )}
              {mayDelete && v.runs === 0 && (
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  leftSection={<IconTrash size={14} />}
                  aria-label={`Delete version ${v.number}`}
                  onClick={() => setDeleting(v)}
                >
                  Delete
                </Button>
              )}
            </Group>
          </Group>
          {v.labelling.scheme === 'corrections' && <CorrectedFrom labelling={v.labelling} />}
          <Text size="sm" mb="sm" data-testid="version-totals">
            {sum(v.counts.train).toLocaleString('en')} train /{' '}
            {sum(v.counts.valid).toLocaleString('en')} validation
            {sum(v.counts.test) > 0 ? ` / ${sum(v.counts.test).toLocaleString('en')} test` : ''}
            {v.unlabelled > 0
              ? ` · ${v.unlabelled.toLocaleString('en')} unlabelled images left out`
              : ''}
          </Text>
          <ClassCountTable classes={v.classes} counts={v.counts} />
          <BatchToggle versionId={v.id} number={v.number} />
        </Card>
      ))}
      <DeleteVersionModal
        datasetId={datasetId}
        version={deleting}
        onClose={() => setDeleting(null)}
      />
    </Stack>
  );
}

/** Where a version corrected from a stage's top losses came from, and what changed. */
function CorrectedFrom({ labelling }: { labelling: Record<string, unknown> }) {
  const relabelled = Number(labelling.relabelled);
  const excluded = Number(labelling.excluded);
  return (
    <Text size="sm" mb="xs" data-testid="corrected-from">
      Corrected from version {String(labelling.fromVersionNumber)}: {relabelled} label
      {relabelled === 1 ? '' : 's'} changed, {excluded} image{excluded === 1 ? '' : 's'} excluded,
      from the top losses of{' '}
      <Anchor
        component={Link}
        href={`/runs/${String(labelling.runId)}/stages/${String(labelling.stageId)}`}
      >
        this stage
      </Anchor>
      .
    </Text>
  );
}

/** show_batch on demand: preparing images takes a worker a moment, so only when asked. */
function BatchToggle({ versionId, number }: { versionId: string; number: number }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <Stack gap="sm" mt="sm">
      <Group>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconEye size={14} />}
          aria-expanded={isOpen}
          aria-label={`${isOpen ? 'Hide' : 'Show'} a batch of version ${number}`}
          onClick={() => setIsOpen((o) => !o)}
        >
          {isOpen ? 'Hide the batch' : 'Show a batch'}
        </Button>
      </Group>
      {isOpen && <ShowBatch versionId={versionId} />}
    </Stack>
  );
}

export function ClassCountTable({ classes, counts }: { classes: string[]; counts: VersionCounts }) {
  const hasTest = sum(counts.test) > 0;
  return (
    <Table striped withTableBorder verticalSpacing={4} aria-label="Images per class and split">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Class</Table.Th>
          <Table.Th ta="right">Train</Table.Th>
          <Table.Th ta="right">Validation</Table.Th>
          {hasTest && <Table.Th ta="right">Test</Table.Th>}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {classes.map((c) => (
          <Table.Tr key={c}>
            <Table.Td>{c}</Table.Td>
            <Table.Td ta="right">{counts.train?.[c] ?? 0}</Table.Td>
            <Table.Td ta="right">{counts.valid?.[c] ?? 0}</Table.Td>
            {hasTest && <Table.Td ta="right">{counts.test?.[c] ?? 0}</Table.Td>}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Confirms deleting a version no run uses; its images stay in the dataset. */
function DeleteVersionModal({
  datasetId,
  version,
  onClose,
}: {
  datasetId: string;
  version: Version | null;
  onClose: () => void;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const confirm = async () => {
    if (!version) return;
    setBusy(true);
    const result = await postJson(
      `/api/datasets/${datasetId}/versions/${version.id}`,
      {},
      'DELETE',
    );
    setBusy(false);
    if (!result.ok) return setError(result.error);
    notifications.show({ color: 'teal', message: `Version ${version.number} was deleted.` });
    onClose();
    router.refresh();
  };
  return (
    <Modal
      opened={version !== null}
      onClose={() => {
        setError(null);
        onClose();
      }}
      title={`Delete version ${version?.number ?? ''}?`}
      centered
    >
      <Stack>
        <Text size="sm">
          Its labels and split go; the images stay in the dataset, and no run uses this version.
        </Text>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Keep it
          </Button>
          <Button color="red" loading={isBusy} onClick={() => void confirm()}>
            Delete version
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
