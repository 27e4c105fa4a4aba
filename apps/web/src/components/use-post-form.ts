'use client';

import { useState, type FormEvent } from 'react';
import { postJson } from './auth/post-json';

/**
 * A form that POSTs JSON to the studio: `submit` posts `body()` to `url`, keeps the button busy
 * meanwhile, and either hands the answer to `onDone` or keeps the server's refusal (through
 * `explain` when given) in `error` for the form's alert.
 */
export function usePostForm({
  url,
  body,
  onDone,
  explain = (error) => error,
}: {
  url: string;
  body: () => unknown;
  onDone: (data: Record<string, unknown>) => void;
  explain?: (error: string) => string;
}) {
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await postJson(url, body());
    setBusy(false);
    if (!result.ok) return setError(explain(result.error));
    onDone(result.data);
  };
  return { submit, error, isBusy };
}
