'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert, Button, Card, Group, Select, Table, TextInput, Title } from '@mantine/core';
import { ROLE_HELP, ROLES, type Role } from '@/lib/roles';
import { OneTimeSecret } from '../one-time-secret';
import { usePostForm } from '../use-post-form';
import { RevokeButton } from './revoke-button';
import { useViewer } from '../viewer-context';

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  expiresAt: string;
}

/** Invites by e-mail and role; the one-time link is shown here once (the studio sends no mail). */
export function InvitationsCard({ invitations }: { invitations: PendingInvitation[] }) {
  const router = useRouter();
  const { role: myRole } = useViewer();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const { submit, error, isBusy } = usePostForm({
    url: '/api/invitations',
    body: () => ({ email, role }),
    onDone: (data) => {
      setLink({ email, url: `${window.location.origin}${data.path as string}` });
      setEmail('');
      router.refresh();
    },
  });
  const grantable = ROLES.filter((r) => r !== 'owner' || myRole === 'owner');
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Invitations
      </Title>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm">
          <TextInput
            label="E-mail to invite"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            w={280}
          />
          <Select
            label="Role"
            data={grantable.map((r) => ({ value: r, label: r }))}
            value={role}
            onChange={(r) => r && setRole(r as Role)}
            allowDeselect={false}
            description={ROLE_HELP[role]}
            w={260}
          />
          <Button type="submit" loading={isBusy}>
            Create invitation
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert" mt="sm">
          {error}
        </Alert>
      )}
      {link && (
        <OneTimeSecret
          title={`Invitation link for ${link.email}`}
          note="Send this link to them; it works once, for a week, and is not shown again."
          value={link.url}
          testId="invitation-link"
        />
      )}
      {invitations.length > 0 && (
        <Table aria-label="Open invitations" mt="md" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>E-mail</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Invited by</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invitations.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>{i.email}</Table.Td>
                <Table.Td>{i.role}</Table.Td>
                <Table.Td>{i.invitedBy ?? '–'}</Table.Td>
                <Table.Td>{new Date(i.expiresAt).toLocaleDateString('en')}</Table.Td>
                <Table.Td>
                  <RevokeButton
                    url={`/api/invitations/${i.id}`}
                    label={`Withdraw the invitation of ${i.email}`}
                    failure="Could not withdraw the invitation"
                  >
                    Withdraw
                  </RevokeButton>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
