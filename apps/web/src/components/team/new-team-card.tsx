'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Group, TextInput, Title } from '@mantine/core';
import { postJson } from '../auth/post-json';

/** Starts another team with the signed-in person as its owner. */
export function NewTeamCard() {
  const router = useRouter();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await postJson('/api/teams', { name });
    if (!result.ok) return setError(result.error);
    setName('');
    router.push('/datasets');
    router.refresh();
  };
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
          <Button type="submit" variant="light">
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
