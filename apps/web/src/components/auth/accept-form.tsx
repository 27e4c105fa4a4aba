'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { postJson } from './post-json';

/** Joins a team: a new person names themself and sets a password; an existing one confirms theirs. */
export function AcceptForm({
  code,
  email,
  hasAccount,
  minPassword,
}: {
  code: string;
  email: string;
  hasAccount: boolean;
  minPassword: number;
}) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await postJson('/api/invitations/accept', {
      code,
      password,
      ...(hasAccount ? {} : { name }),
    });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    router.push('/runs');
    router.refresh();
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <TextInput label="E-mail" value={email} readOnly />
        {!hasAccount && (
          <TextInput
            label="Your name"
            autoComplete="name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
        )}
        <PasswordInput
          label={hasAccount ? 'Your password' : 'Choose a password'}
          description={
            hasAccount ? 'You already have an account.' : `At least ${minPassword} characters.`
          }
          autoComplete={hasAccount ? 'current-password' : 'new-password'}
          required
          minLength={hasAccount ? undefined : minPassword}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={isBusy}>
          Join the team
        </Button>
      </Stack>
    </form>
  );
}
