'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert, Button, Card, Group, TextInput, Title } from '@mantine/core';
import { usePostForm } from '../use-post-form';

/** Starts another team with the signed-in person as its owner. */
export function NewTeamCard() {
  const router = useRouter();
  const [name, setName] = useState('');
  const { submit, error, isBusy } = usePostForm({
    url: '/api/teams',
    body: () => ({ name }),
    onDone: () => {
      setName('');
      router.push('/datasets');
      router.refresh();
    },
  });
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Start another team
      </Title>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm">
          <TextInput
            label="New team name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            w={280}
          />
          <Button type="submit" variant="light" loading={isBusy}>
            Create team
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert" mt="sm">
          {error}
        </Alert>
      )}
    </Card>
  );
}
