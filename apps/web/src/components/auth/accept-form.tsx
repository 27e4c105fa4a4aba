'use client';

import { PasswordInput, TextInput } from '@mantine/core';
import { AuthForm, useFields } from './auth-form';

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
  const { values, field } = useFields({ name: '', password: '' });
  return (
    <AuthForm
      endpoint="/api/invitations/accept"
      body={() => ({
        code,
        password: values.password,
        ...(hasAccount ? {} : { name: values.name }),
      })}
      next="/runs"
      submitLabel="Join the team"
    >
      <TextInput label="E-mail" value={email} readOnly />
      {!hasAccount && (
        <TextInput label="Your name" autoComplete="name" required {...field('name')} />
      )}
      <PasswordInput
        label={hasAccount ? 'Your password' : 'Choose a password'}
        description={
          hasAccount ? 'You already have an account.' : `At least ${minPassword} characters.`
        }
        autoComplete={hasAccount ? 'current-password' : 'new-password'}
        required
        minLength={hasAccount ? undefined : minPassword}
        {...field('password')}
      />
    </AuthForm>
  );
}
