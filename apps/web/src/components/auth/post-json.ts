/** POSTs JSON to the studio and turns a refusal into the server's own message (written for people). */
export async function postJson(
  url: string,
  body: unknown,
  method: 'POST' | 'PATCH' | 'DELETE' = 'POST',
): Promise<{ ok: true; data: Record<string, unknown> } | { ok: false; error: string }> {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).catch(() => null);
  if (!response) return { ok: false, error: 'The studio did not answer. Check your connection.' };
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, data };
  const message = (data.error ?? data.message) as string | undefined;
  if (response.status === 429 && !data.error)
    return { ok: false, error: 'Too many attempts. Wait a minute and try again.' };
  return { ok: false, error: message ?? `The studio answered ${response.status}.` };
}
