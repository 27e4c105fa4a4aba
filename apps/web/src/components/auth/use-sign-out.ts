'use client';

import { useRouter } from 'next/navigation';

/**
 * Signs this browser out (everywhere: first ends every session of the person), then goes to
 * `next` with the server's view of it refreshed.
 */
export function useSignOut() {
  const router = useRouter();
  return async ({ isEverywhere = false, next = '/sign-in' } = {}) => {
    const post = (endpoint: string) =>
      fetch(`/api/auth/${endpoint}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      }).catch(() => null);
    if (isEverywhere) await post('revoke-sessions');
    await post('sign-out');
    router.push(next);
    router.refresh();
  };
}
