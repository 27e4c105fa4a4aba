'use client';

import { useRouter } from 'next/navigation';
import { Card, Code, Select, Stack, Table, Text, Title } from '@mantine/core';
import { EmptyState } from '../empty-state';

export interface AuditRow {
  id: string;
  at: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown> | null;
  actor: { user: string | null; token: string | null };
}

const KINDS = [
  { value: '', label: 'Everything' },
  { value: 'dataset.', label: 'Datasets' },
  { value: 'version.', label: 'Dataset versions' },
  { value: 'run.', label: 'Runs' },
  { value: 'stage.', label: 'Stages' },
  { value: 'backbone.', label: 'Backbones' },
  { value: 'token.', label: 'API tokens' },
  { value: 'invitation.', label: 'Invitations' },
  { value: 'member.', label: 'Members' },
];

/** Who did what in the team, newest first (owners and admins). */
export function AuditTable({ events, action }: { events: AuditRow[]; action: string }) {
  const router = useRouter();
  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Audit
      </Title>
      <Select
        label="Show"
        data={KINDS}
        value={action}
        w={240}
        allowDeselect={false}
        onChange={(v) => router.push(v ? `/audit?action=${encodeURIComponent(v)}` : '/audit')}
      />
      {events.length === 0 ? (
        <EmptyState
          title="Nothing recorded yet"
          description="Creating, cancelling and deleting datasets, runs, backbones, tokens, invitations and members is recorded here."
        />
      ) : (
        <Card>
          <Table aria-label="Audit trail" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Detail</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{new Date(e.at).toLocaleString('en')}</Table.Td>
                  <Table.Td>
                    {e.actor.user ?? 'removed person'}
                    {e.actor.token && (
                      <Text size="xs" c="dimmed">
                        with token “{e.actor.token}”
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    {e.targetType}
                    {e.targetId && (
                      <Text size="xs" c="dimmed" ff="monospace">
                        {e.targetId}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {e.detail ? JSON.stringify(e.detail) : ''}
                    </Text>
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
