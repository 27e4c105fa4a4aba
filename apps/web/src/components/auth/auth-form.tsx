'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { Alert, Button, Stack } from '@mantine/core';
import { usePostForm } from '../use-post-form';

/**
 * The sign-in, setup and invitation forms' shared part: posts `body()` to `endpoint`, shows the
 * server's refusal (through `explain` when given) in an alert, and goes to `next` on success.
 */
export function AuthForm({
  endpoint,
  body,
  next,
  submitLabel,
  explain = (error) => error,
  children,
}: {
  endpoint: string;
  body: () => unknown;
  next: string;
  submitLabel: string;
  explain?: (error: string) => string;
  children: ReactNode;
}) {
  const router = useRouter();
  const { submit, error, isBusy } = usePostForm({
    url: endpoint,
    body,
    explain,
    onDone: () => {
      router.push(next);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        {children}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={isBusy}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}

/** value/onChange props of a text field bound to one key of a form's state. */
export function useFields<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const field = (key: keyof T) => ({
    value: values[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      const { value } = e.currentTarget; // the event's target is gone once the handler returns
      setValues((current) => ({ ...current, [key]: value }));
    },
  });
  return { values, field };
}
