'use client';

import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Anchor, Button, Card, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import { ARCHS } from '@studio/shared';
import { EmptyState } from '../empty-state';
import { StatusBadge } from '../status-badge';
import { formatDateTime, formatDuration, formatPercent } from './format';

interface Row {
  id: string;
  name: string;
  arch: string;
  status: string;
  bestErrorRate: number | null;
  stages: number;
  dataset: { id: string; name: string };
  versionNumber: number;
  createdAt: string;
  durationS: number | null;
}

const STATUSES = ['draft', 'queued', 'running', 'done', 'failed', 'cancelled'];

/** Every run, newest first, narrowed by dataset, architecture and status. */
export function RunList({ runs }: { runs: Row[] }) {
  const [dataset, setDataset] = useState<string | null>(null);
  const [arch, setArch] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const datasets = useMemo(
    () => [...new Map(runs.map((r) => [r.dataset.id, r.dataset.name])).entries()],
    [runs],
  );
  const shown = runs.filter(
    (r) =>
      (!dataset || r.dataset.id === dataset) &&
      (!arch || r.arch === arch) &&
      (!status || r.status === status),
  );
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            Runs
          </Title>
          <Text c="dimmed">
            Models trained on a dataset version: stages, live curves and the fastai epoch table.
          </Text>
        </div>
        <Button component={Link} href="/runs/new" leftSection={<IconPlus size={16} />}>
          New run
        </Button>
      </Group>
      {runs.length === 0 ? (
        <EmptyState
          title="No training runs yet"
          description="Pick a dataset version and train a model on it: choose an architecture, use the lesson's plan (fit_one_cycle, save, lr_find, unfreeze, fine-tune) and watch it learn."
          action={
            <Button component={Link} href="/runs/new" leftSection={<IconPlayerPlay size={16} />}>
              Pick a dataset version
            </Button>
          }
        />
      ) : (
        <>
          <Group gap="sm" role="search" aria-label="Filter runs">
            <Select
              label="Dataset"
              placeholder="All datasets"
              data={datasets.map(([value, label]) => ({ value, label }))}
              value={dataset}
              onChange={setDataset}
              clearable
              w={220}
            />
            <Select
              label="Architecture"
              placeholder="All architectures"
              data={[...ARCHS]}
              value={arch}
              onChange={setArch}
              clearable
              w={200}
            />
            <Select
              label="Status"
              placeholder="All statuses"
              data={STATUSES}
              value={status}
              onChange={setStatus}
              clearable
              w={160}
            />
          </Group>
          <Card p={0}>
            <Table.ScrollContainer minWidth={900}>
              <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Dataset</Table.Th>
                    <Table.Th>Architecture</Table.Th>
                    <Table.Th ta="right">Stages</Table.Th>
                    <Table.Th ta="right">Best error rate</Table.Th>
                    <Table.Th ta="right">Duration</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>
                        <Anchor component={Link} href={`/runs/${r.id}`} fw={600}>
                          {r.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Anchor component={Link} href={`/datasets/${r.dataset.id}`} c="inherit">
                          {r.dataset.name}
                        </Anchor>{' '}
                        <Text span c="dimmed" size="sm">
                          v{r.versionNumber}
                        </Text>
                      </Table.Td>
                      <Table.Td>{r.arch}</Table.Td>
                      <Table.Td ta="right">{r.stages}</Table.Td>
                      <Table.Td ta="right">
                        {r.bestErrorRate === null ? '—' : formatPercent(r.bestErrorRate)}
                      </Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        {formatDuration(r.durationS)}
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={r.status} />
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        {formatDateTime(r.createdAt)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {shown.length === 0 && (
              <Group justify="center" p="lg" gap="sm">
                <Text c="dimmed">No run matches these filters.</Text>
                <Button
                  variant="subtle"
                  size="compact-sm"
                  onClick={() => {
                    setDataset(null);
                    setArch(null);
                    setStatus(null);
                  }}
                >
                  Clear filters
                </Button>
              </Group>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
