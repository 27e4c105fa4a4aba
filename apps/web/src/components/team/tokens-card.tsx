'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { LabelledSegmentedControl } from '../labelled-segmented-control';
import { OneTimeSecret } from '../one-time-secret';
import { usePostForm } from '../use-post-form';
import type { TokenSummary } from '@/server/tokens';
import { RevokeButton } from './revoke-button';

/** API tokens of the team: for scripts (`Authorization: Bearer …`); the secret is shown once. */
export function TokensCard({ tokens }: { tokens: TokenSummary[] }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [secret, setSecret] = useState<string | null>(null);
  const { submit, error, isBusy } = usePostForm({
    url: '/api/tokens',
    body: () => ({ name, scope }),
    onDone: (data) => {
      setSecret(data.token as string);
      setName('');
      router.refresh();
    },
  });
  return (
    <Card>
      <Title order={2} size="h4">
        API tokens
      </Title>
      <Text c="dimmed" size="sm" mb="sm">
        For scripts: send <Code>Authorization: Bearer &lt;token&gt;</Code>. A read token acts as a
        viewer, a write token as a member, in this team only.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm">
          <TextInput
            label="Token name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            w={280}
          />
          <LabelledSegmentedControl
            label="Access"
            value={scope}
            onChange={setScope}
            data={[
              { value: 'read', label: 'Read' },
              { value: 'write', label: 'Read and write' },
            ]}
          />
          <Button type="submit" loading={isBusy}>
            Create token
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert" mt="sm">
          {error}
        </Alert>
      )}
      {secret && (
        <OneTimeSecret
          title="Copy the token now"
          note="It is shown this once; the studio keeps only its hash."
          value={secret}
          testId="new-token"
        />
      )}
      {tokens.length > 0 && (
        <Table aria-label="API tokens" mt="md" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Token</Table.Th>
              <Table.Th>Access</Table.Th>
              <Table.Th>Created by</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tokens.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>
                  <Code>{t.start}…</Code>
                </Table.Td>
                <Table.Td>{t.scope === 'write' ? 'read and write' : 'read'}</Table.Td>
                <Table.Td>{t.createdBy ?? '–'}</Table.Td>
                <Table.Td>
                  {t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString('en') : 'never'}
                </Table.Td>
                <Table.Td>
                  {t.revokedAt ? (
                    <Badge color="gray">revoked</Badge>
                  ) : (
                    <RevokeButton
                      url={`/api/tokens/${t.id}`}
                      label={`Revoke ${t.name}`}
                      failure="Could not revoke the token"
                    >
                      Revoke
                    </RevokeButton>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
