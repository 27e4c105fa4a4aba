'use client';

import Link from 'next/link';
import { Alert, Button, Divider, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { AuthForm, useFields } from './auth-form';
import { useSignOut } from './use-sign-out';

/**
 * What someone without a session sees on an invitation link: make a new account, or sign in as
 * the invited e-mail first. The same whether or not that e-mail has an account, so the page
 * tells a visitor nothing about it.
 */
export function AcceptForm({
  code,
  email,
  minPassword,
}: {
  code: string;
  email: string;
  minPassword: number;
}) {
  const { values, field } = useFields({ name: '', password: '' });
  const signInHref = `/sign-in?next=${encodeURIComponent(`/invite/${code}`)}`;
  return (
    <Stack gap="md">
      <Text size="sm">This invitation is for {email}. New to the studio? Make your account:</Text>
      <AuthForm
        endpoint="/api/invitations/accept"
        body={() => ({ code, ...values })}
        next="/runs"
        submitLabel="Join the team"
      >
        <TextInput label="E-mail" value={email} readOnly />
        <TextInput label="Your name" autoComplete="name" required {...field('name')} />
        <PasswordInput
          label="Choose a password"
          description={`At least ${minPassword} characters.`}
          autoComplete="new-password"
          required
          minLength={minPassword}
          {...field('password')}
        />
      </AuthForm>
      <Divider label="or, if you already have an account" labelPosition="center" />
      <Button component={Link} href={signInHref} variant="default">
        Sign in as {email}
      </Button>
    </Stack>
  );
}

/** The invited person, signed in: one click joins the team. */
export function JoinForm({ code, email }: { code: string; email: string }) {
  return (
    <AuthForm
      endpoint="/api/invitations/accept"
      body={() => ({ code })}
      next="/runs"
      submitLabel="Join the team"
    >
      <Text size="sm">You are signed in as {email}.</Text>
    </AuthForm>
  );
}

/** Signed in as someone else than the invited e-mail: say so, and offer to sign out. */
export function OtherAccount({
  code,
  email,
  current,
}: {
  code: string;
  email: string;
  current: string;
}) {
  const signOut = useSignOut();
  return (
    <Stack gap="md">
      <Alert color="orange" role="status">
        This invitation is for {email}, and you are signed in as {current}. Sign out, then sign in
        as {email} to join.
      </Alert>
      <Button variant="default" onClick={() => signOut({ next: `/invite/${code}` })}>
        Sign out
      </Button>
    </Stack>
  );
}
