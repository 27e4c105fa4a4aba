'use client';

import { useState } from 'react';
import {
  ActionIcon,
  Button,
  Card,
  Code,
  Group,
  Popover,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import type { UploadedBackboneSummary } from '@studio/shared';
import { formatBytes } from '@/components/runs/format';

const formatShape = ([h, w, c]: UploadedBackboneSummary['inputShape']) =>
  `${h ?? 'any'} × ${w ?? 'any'} × ${c}`;
const formatStats = ({ mean, std }: UploadedBackboneSummary['normalization']) =>
  `mean ${mean.join(', ')} · std ${std.join(', ')}`;

/** The uploaded backbones with what the studio read from each; delete unless a run uses it. */
export function BackboneTable({
  backbones,
  onDelete,
}: {
  backbones: UploadedBackboneSummary[];
  onDelete: (backbone: UploadedBackboneSummary) => Promise<void>;
}) {
  const [deleting, setDeleting] = useState<string | null>(null);
  return (
    <Card p={0}>
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="sm" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
              <Table.Th>Input (h × w × c)</Table.Th>
              <Table.Th>Cut layer</Table.Th>
              <Table.Th ta="right">Runs</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {backbones.map((b) => (
              <Table.Tr key={b.id}>
                <Table.Td>
                  <Text fw={500}>{b.name}</Text>
                  <Text size="xs" c="dimmed">
                    {formatStats(b.normalization)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Tooltip label={b.files.join(', ')} multiline maw={360}>
                    <span>{formatBytes(b.bytes)}</span>
                  </Tooltip>
                </Table.Td>
                <Table.Td>{formatShape(b.inputShape)}</Table.Td>
                <Table.Td>
                  <Code>{b.cutLayer}</Code>
                </Table.Td>
                <Table.Td ta="right">{b.runCount}</Table.Td>
                <Table.Td>
                  {new Date(b.createdAt).toLocaleString('en-GB', {
                    dateStyle: 'medium',
                    timeStyle: 'short',
                  })}
                </Table.Td>
                <Table.Td>
                  {b.runCount > 0 ? (
                    <Tooltip
                      label={`${b.runCount} run${b.runCount === 1 ? '' : 's'} train from it; it stays while they do.`}
                    >
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label={`Delete ${b.name} (in use)`}
                        data-disabled
                        onClick={(e) => e.preventDefault()}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  ) : (
                    <Popover position="left" withArrow shadow="md">
                      <Popover.Target>
                        <ActionIcon variant="subtle" color="red" aria-label={`Delete ${b.name}`}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Popover.Target>
                      <Popover.Dropdown>
                        <Group gap="xs">
                          <Text size="sm">Delete {b.name} and its files?</Text>
                          <Button
                            size="xs"
                            color="red"
                            loading={deleting === b.id}
                            onClick={async () => {
                              setDeleting(b.id);
                              await onDelete(b).finally(() => setDeleting(null));
                            }}
                          >
                            Delete
                          </Button>
                        </Group>
                      </Popover.Dropdown>
                    </Popover>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
