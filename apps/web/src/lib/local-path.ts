/**
 * `value` when it is a path on this studio, else null: where to go after signing in comes from
 * the URL, so it must not send anyone to another site (`//evil.example`, `/\evil.example`, or
 * those with a tab or newline inside, which browsers drop).
 */
export function localPath(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return /^\/(?![/\\])/.test(value) && !/[\s\\]/.test(value) ? value : null;
}
