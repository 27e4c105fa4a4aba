'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { postJson } from './post-json';

export function SetupForm({ minPassword }: { minPassword: number }) {
  const router = useRouter();
  const [form, setForm] = useState({ name: '', email: '', password: '', teamName: '' });
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) =>
      setForm({ ...form, [key]: e.currentTarget.value }),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await postJson('/api/setup', form);
    setBusy(false);
    if (!result.ok) return setError(result.error);
    router.push('/datasets');
    router.refresh();
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <TextInput label="Your name" autoComplete="name" required {...field('name')} />
        <TextInput label="E-mail" type="email" autoComplete="email" required {...field('email')} />
        <PasswordInput
          label="Password"
          description={`At least ${minPassword} characters.`}
          autoComplete="new-password"
          required
          minLength={minPassword}
          {...field('password')}
        />
        <TextInput
          label="Team name"
          description="Datasets, runs and backbones belong to a team. You can invite people next."
          required
          {...field('teamName')}
        />
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={isBusy}>
          Create the owner account
        </Button>
      </Stack>
    </form>
  );
}
