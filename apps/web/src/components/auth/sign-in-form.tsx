'use client';

import { PasswordInput, TextInput } from '@mantine/core';
import { AuthForm, useFields } from './auth-form';

export function SignInForm() {
  const { values, field } = useFields({ email: '', password: '' });
  return (
    <AuthForm
      endpoint="/api/auth/sign-in/email"
      body={() => values}
      next="/runs"
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
