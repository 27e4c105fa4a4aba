'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useViewer } from '@/components/viewer-context';
import { IconEye, IconPlayerPlay } from '@tabler/icons-react';
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
}

const sum = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

export function VersionList({ versions }: { versions: Version[] }) {
  const { canWrite } = useViewer();
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
