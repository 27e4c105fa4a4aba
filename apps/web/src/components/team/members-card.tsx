'use client';

import { useRouter } from 'next/navigation';
import { Badge, Card, Group, Select, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ROLE_HELP, ROLES, type Role } from '@/lib/roles';
import { postJson } from '../auth/post-json';
import { ConfirmButton } from '../confirm-button';
import { useViewer } from '../viewer-context';

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: string;
}

export function MembersCard({ members }: { members: Member[] }) {
  const router = useRouter();
  const { viewer, canManage } = useViewer();
  const act = async (what: string, url: string, method: 'PATCH' | 'DELETE', body?: unknown) => {
    const result = await postJson(url, body ?? {}, method);
    if (!result.ok)
      notifications.show({ color: 'red', title: `Could not ${what}`, message: result.error });
    router.refresh();
  };
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Members
      </Title>
      <Table aria-label="Team members" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>E-mail</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Joined</Table.Th>
            {canManage && <Table.Th aria-label="Actions" />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {members.map((m) => (
            <Table.Tr key={m.userId}>
              <Table.Td>
                {m.name} {m.userId === viewer?.user.id && <Badge variant="light">you</Badge>}
              </Table.Td>
              <Table.Td>{m.email}</Table.Td>
              <Table.Td>
                {canManage ? (
                  <Select
                    aria-label={`Role of ${m.name}`}
                    size="xs"
                    w={120}
                    data={ROLES}
                    value={m.role}
                    allowDeselect={false}
                    onChange={(role) =>
                      role &&
                      role !== m.role &&
                      act('change the role', `/api/members/${m.userId}`, 'PATCH', { role })
                    }
                  />
                ) : (
                  <Text size="sm" title={ROLE_HELP[m.role]}>
                    {m.role}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{new Date(m.joinedAt).toLocaleDateString('en')}</Table.Td>
              {canManage && (
                <Table.Td>
                  <Group justify="flex-end">
                    <ConfirmButton
                      size="xs"
                      color="red"
                      variant="subtle"
                      aria-label={`Remove ${m.name}`}
                      question={`Remove ${m.name} from the team? They lose access at once; their runs and datasets stay.`}
                      confirmLabel={`Remove ${m.name}`}
                      onConfirm={() =>
                        act('remove the member', `/api/members/${m.userId}`, 'DELETE')
                      }
                    >
                      Remove
                    </ConfirmButton>
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
