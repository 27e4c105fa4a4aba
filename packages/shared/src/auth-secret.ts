/** The fewest random bytes a session-signing secret may carry. */
export const MIN_SECRET_BYTES = 32;

/** How many bytes a secret string encodes: hex and base64 are decoded, anything else counted as UTF-8. */
export function secretBytes(secret: string): number {
  if (/^[0-9a-f]+$/i.test(secret) && secret.length % 2 === 0) return secret.length / 2;
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret))
    return Math.floor((secret.replace(/=+$/, '').length * 3) / 4);
  return new TextEncoder().encode(secret).length;
}

/**
 * The secret that signs session cookies (BETTER_AUTH_SECRET, or STUDIO_SECRET): the web app
 * refuses to start without one of at least MIN_SECRET_BYTES random bytes.
 */
export function readAuthSecret(source: Record<string, string | undefined> = process.env): string {
  const name = source.BETTER_AUTH_SECRET ? 'BETTER_AUTH_SECRET' : 'STUDIO_SECRET';
  const secret = (source.BETTER_AUTH_SECRET ?? source.STUDIO_SECRET ?? '').trim();
  const howTo =
    "Generate one with `openssl rand -base64 32` (or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`) and set STUDIO_SECRET; `npm run studio` writes one into .studio/secret.env on first start.";
  if (!secret)
    throw new Error(`No session secret is set (BETTER_AUTH_SECRET or STUDIO_SECRET). ${howTo}`);
  const bytes = secretBytes(secret);
  if (bytes < MIN_SECRET_BYTES) {
    throw new Error(
      `${name} carries ${bytes} bytes; at least ${MIN_SECRET_BYTES} random bytes are needed. ${howTo}`,
    );
  }
  if (new Set(secret).size < 8) {
    throw new Error(`${name} repeats a few characters; it must be random. ${howTo}`);
  }
  return secret;
}
