'use client';

import { useRouter } from 'next/navigation';
import Link from 'next/link';
import { Anchor, Card, Select, Stack, Table, Text, Title } from '@mantine/core';
import type { AuditEntry } from '@/server/audit';
import { EmptyState } from '../empty-state';
import { LocalTime } from '../local-time';

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
export function AuditTable({ events, action }: { events: AuditEntry[]; action: string }) {
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
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label="Audit trail" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Detail</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <LocalTime iso={e.at} />
                    </Table.Td>
                    <Table.Td>
                      {e.actor.user ?? 'a removed person'}
                      {e.actor.token && (
                        <Text size="xs" c="dimmed">
                          with token “{e.actor.token}”
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {e.verb}{' '}
                      {e.target.href ? (
                        <Anchor component={Link} href={e.target.href}>
                          {e.target.name}
                        </Anchor>
                      ) : (
                        <Text span c="dimmed">
                          {e.target.name}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {e.detail.map((d) => (
                        <Text key={d.label} size="xs">
                          <Text span c="dimmed" size="xs">
                            {d.label}:
                          </Text>{' '}
                          {d.value}
                        </Text>
                      ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
    </Stack>
  );
}
