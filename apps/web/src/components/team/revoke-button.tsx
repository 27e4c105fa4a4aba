'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { notifications } from '@mantine/notifications';
import { postJson } from '../auth/post-json';
import { ConfirmButton } from '../confirm-button';

/**
 * A row's small red action that, once confirmed, DELETEs `url` (revoke a token, withdraw an invitation, sign a
 * session out), says why when the studio refuses, and refreshes the page's data.
 */
export function RevokeButton({
  url,
  label,
  failure,
  children,
}: {
  url: string;
  /** The accessible name, naming the row: "Revoke ci-token". */
  label: string;
  /** The notification's title when it fails: "Could not revoke the token". */
  failure: string;
  children: ReactNode;
}) {
  const router = useRouter();
  const [isBusy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    const result = await postJson(url, {}, 'DELETE');
    setBusy(false);
    if (!result.ok) notifications.show({ color: 'red', title: failure, message: result.error });
    router.refresh();
  };
  return (
    <ConfirmButton
      size="xs"
      variant="subtle"
      color="red"
      loading={isBusy}
      question={`${label}? This cannot be undone.`}
      confirmLabel={label}
      onConfirm={revoke}
      aria-label={label}
    >
      {children}
    </ConfirmButton>
  );
}
