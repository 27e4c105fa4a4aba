'use client';

import { PasswordInput, TextInput } from '@mantine/core';
import { AuthForm, useFields } from './auth-form';

/** Signs in and goes to `next` (a path on this studio). */
export function SignInForm({ next }: { next: string }) {
  const { values, field } = useFields({ email: '', password: '' });
  return (
    <AuthForm
      endpoint="/api/auth/sign-in/email"
      body={() => values}
      next={next}
      submitLabel="Sign in"
      explain={(error) =>
        /invalid (email|password)/i.test(error) ? 'The e-mail or password is not right.' : error
      }
    >
      <TextInput label="E-mail" type="email" autoComplete="email" required {...field('email')} />
      <PasswordInput
        label="Password"
        autoComplete="current-password"
        required
        {...field('password')}
      />
    </AuthForm>
  );
}
