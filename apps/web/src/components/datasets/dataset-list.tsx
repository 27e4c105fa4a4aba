'use client';

import Link from 'next/link';
import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useViewer } from '@/components/viewer-context';
import { IconArchive, IconPlus } from '@tabler/icons-react';
import type { DatasetSummary } from '@/server/datasets';
import { EmptyState } from '../empty-state';
import { StatusBadge } from '../status-badge';

export function DatasetList({
  datasets,
  isArchived = false,
}: {
  datasets: DatasetSummary[];
  /** The list shows archived datasets instead of those in use. */
  isArchived?: boolean;
}) {
  const { canWrite } = useViewer();
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            {isArchived ? 'Archived datasets' : 'Datasets'}
          </Title>
          <Text c="dimmed">
            {isArchived
              ? 'Hidden from lists and the new-run form; open one to restore it.'
              : 'Photos and their labels. Every labelled, split version is kept so runs stay comparable.'}
          </Text>
        </div>
        <Group gap="xs">
          <Button
            component={Link}
            href={isArchived ? '/datasets' : '/datasets?archived=1'}
            variant="default"
            leftSection={<IconArchive size={16} />}
          >
            {isArchived ? 'Datasets in use' : 'Archived'}
          </Button>
          {canWrite && !isArchived && (
            <Button component={Link} href="/datasets/new" leftSection={<IconPlus size={16} />}>
              New dataset
            </Button>
          )}
        </Group>
      </Group>
      {datasets.length === 0 && isArchived ? (
        <EmptyState
          title="No archived datasets"
          description="Archive a dataset from its page to hide it here."
        />
      ) : datasets.length === 0 ? (
        <EmptyState
          title="No datasets yet"
          description="Drop a folder or a zip of photos, or give the URL of an archive. Labels can come from folder names, a CSV, a pattern on the file name, a rule or a list."
          action={
            canWrite && (
              <Button component={Link} href="/datasets/new" leftSection={<IconPlus size={16} />}>
                Create your first dataset
              </Button>
            )
          }
        />
      ) : (
        <Card p={0}>
          <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Images</Table.Th>
                <Table.Th ta="right">Skipped</Table.Th>
                <Table.Th ta="right">Versions</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {datasets.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>
                    <Anchor component={Link} href={`/datasets/${d.id}`} fw={600}>
                      {d.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={d.status} />
                  </Table.Td>
                  <Table.Td ta="right">{d.files.toLocaleString('en')}</Table.Td>
                  <Table.Td ta="right">
                    {d.skipped > 0 ? (
                      <Badge color="orange" variant="light">
                        {d.skipped}
                      </Badge>
                    ) : (
                      0
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{d.versions}</Table.Td>
                  <Table.Td>{d.sourceKind}</Table.Td>
                  <Table.Td>
                    {new Date(d.createdAt).toLocaleString('en-GB', {
                      dateStyle: 'medium',
                      timeStyle: 'short',
                    })}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}
