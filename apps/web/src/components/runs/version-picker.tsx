'use client';

import Link from 'next/link';
import { Anchor, Button, Card, Table, Text, VisuallyHidden } from '@mantine/core';
import { IconPhoto, IconPlayerPlay } from '@tabler/icons-react';
import type { TrainableVersion } from '@/server/runs';
import { EmptyState } from '../empty-state';
import { LocalTime } from '../local-time';

/** A run trains on one saved dataset version: pick it first. */
export function VersionPicker({ versions }: { versions: TrainableVersion[] }) {
  if (versions.length === 0) {
    return (
      <EmptyState
        title="No dataset version to train on yet"
        description="A run trains on a labelled, split version of a dataset. Import photos, choose how they are labelled under “Label & split” and save a version; then come back here."
        action={
          <Button component={Link} href="/datasets" leftSection={<IconPhoto size={16} />}>
            Go to datasets
          </Button>
        }
      />
    );
  }
  return (
    <Card p={0}>
      <Table
        highlightOnHover
        verticalSpacing="sm"
        horizontalSpacing="md"
        aria-label="Dataset versions to train on"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Dataset</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th ta="right">Classes</Table.Th>
            <Table.Th ta="right">Train</Table.Th>
            <Table.Th ta="right">Validation</Table.Th>
            <Table.Th>Saved</Table.Th>
            <Table.Th>
              <VisuallyHidden>Action</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.map((v) => (
            <Table.Tr key={v.id}>
              <Table.Td>
                <Anchor component={Link} href={`/datasets/${v.dataset.id}`}>
                  {v.dataset.name}
                </Anchor>
              </Table.Td>
              <Table.Td>v{v.number}</Table.Td>
              <Table.Td ta="right">{v.classes}</Table.Td>
              <Table.Td ta="right">{v.trainCount.toLocaleString('en')}</Table.Td>
              <Table.Td ta="right">{v.validCount.toLocaleString('en')}</Table.Td>
              <Table.Td>
                <Text size="sm">
                  <LocalTime iso={v.createdAt} />
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Button
                  component={Link}
                  href={`/runs/new?versionId=${v.id}`}
                  size="xs"
                  variant="light"
                  leftSection={<IconPlayerPlay size={14} />}
                  aria-label={`Train on ${v.dataset.name} version ${v.number}`}
                >
                  Train
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
