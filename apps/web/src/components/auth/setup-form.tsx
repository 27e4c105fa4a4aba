'use client';

import { PasswordInput, TextInput } from '@mantine/core';
import { AuthForm, useFields } from './auth-form';

export function SetupForm({ minPassword }: { minPassword: number }) {
  const { values, field } = useFields({ name: '', email: '', password: '', teamName: '' });
  return (
    <AuthForm
      endpoint="/api/setup"
      body={() => values}
      next="/datasets"
      submitLabel="Create the owner account"
    >
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
    </AuthForm>
  );
}
