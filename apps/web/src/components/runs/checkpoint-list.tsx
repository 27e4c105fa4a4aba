'use client';

import { Card, Group, Stack, Text, Title } from '@mantine/core';
import type { RunDetail } from '@/server/runs';
import { LocalTime } from '../local-time';
import { formatBytes } from './format';

const KINDS: Record<string, string> = {
  current: 'state after the last stage',
  epoch: 'resume point',
  named: 'saved',
};

/** What the run keeps in storage: named saves, the current state and resume points. */
export function CheckpointList({
  checkpoints,
  storageBytes,
  exportBytes,
}: {
  checkpoints: RunDetail['checkpoints'];
  storageBytes: number;
  /** Exported models of finished fit stages, counted in the storage used. */
  exportBytes: number;
}) {
  return (
    <Card>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Checkpoints
        </Title>
        <Text size="sm" c="dimmed" data-testid="storage-used">
          {formatBytes(storageBytes)} used
        </Text>
      </Group>
      {checkpoints.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet. Training keeps the current weights here; a save stage keeps a named copy.
        </Text>
      ) : (
        <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {checkpoints.map((c) => (
            <li key={c.id}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text size="sm" fw={c.kind === 'named' ? 600 : 400} truncate>
                  {c.name}
                </Text>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {formatBytes(c.bytes)}
                </Text>
              </Group>
              <Text size="xs" c="dimmed">
                {KINDS[c.kind] ?? c.kind}
                {c.epoch !== null ? ` (epoch ${c.epoch})` : ''} · <LocalTime iso={c.updatedAt} />
              </Text>
            </li>
          ))}
        </Stack>
      )}
      {exportBytes > 0 && (
        <Text size="xs" c="dimmed" mt="xs">
          Includes {formatBytes(exportBytes)} of exported models (one per finished fit stage).
        </Text>
      )}
    </Card>
  );
}
