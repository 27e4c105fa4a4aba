import { notifications } from '@mantine/notifications';

/**
 * Sends one action of the run page and says what went wrong in a notification, with the
 * server's own message (it is written for people). Resolves to whether it worked.
 */
export async function callApi(
  what: string,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<boolean> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (response?.ok) return true;
  const message = response
    ? (((await response.json().catch(() => ({}))) as { error?: string }).error ??
      `HTTP ${response.status}`)
    : 'The studio did not answer. Check your connection and try again.';
  notifications.show({ color: 'red', title: `Could not ${what}`, message });
  return false;
}
