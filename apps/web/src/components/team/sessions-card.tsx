'use client';

import { Badge, Card, Table, Text, Title } from '@mantine/core';
import type { SessionSummary } from '@/server/sessions';
import { RevokeButton } from './revoke-button';

/** "Chrome on Linux" from a user-agent string, or the string itself when it says nothing known. */
function describeAgent(agent: string | null): string {
  if (!agent) return 'unknown browser';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Chrom(e|ium)\//.test(agent)
      ? 'Chrome'
      : /Firefox\//.test(agent)
        ? 'Firefox'
        : /Safari\//.test(agent)
          ? 'Safari'
          : null;
  const system = /Windows/.test(agent)
    ? 'Windows'
    : /Mac OS X/.test(agent)
      ? 'macOS'
      : /Android/.test(agent)
        ? 'Android'
        : /Linux/.test(agent)
          ? 'Linux'
          : null;
  return browser ? `${browser}${system ? ` on ${system}` : ''}` : agent.slice(0, 60);
}

/** The signed-in person's browsers; any other one can be signed out from here. */
export function SessionsCard({ sessions }: { sessions: SessionSummary[] }) {
  return (
    <Card>
      <Title order={2} size="h4">
        Your sessions
      </Title>
      <Text c="dimmed" size="sm" mb="sm">
        Browsers signed in to your account. Sign out one you do not recognise.
      </Text>
      <Table aria-label="Your sessions" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Browser</Table.Th>
            <Table.Th>Address</Table.Th>
            <Table.Th>Signed in</Table.Th>
            <Table.Th>Last active</Table.Th>
            <Table.Th aria-label="Actions" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{describeAgent(s.userAgent)}</Table.Td>
              <Table.Td>{s.ipAddress ?? '–'}</Table.Td>
              <Table.Td>{new Date(s.createdAt).toLocaleString('en')}</Table.Td>
              <Table.Td>{new Date(s.lastActiveAt).toLocaleString('en')}</Table.Td>
              <Table.Td>
                {s.isCurrent ? (
                  <Badge variant="light">this browser</Badge>
                ) : (
                  <RevokeButton
                    url={`/api/sessions/${s.id}`}
                    label={`Sign out ${describeAgent(s.userAgent)} signed in ${new Date(s.createdAt).toLocaleString('en')}`}
                    failure="Could not sign it out"
                  >
                    Sign out
                  </RevokeButton>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
