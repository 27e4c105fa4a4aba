import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAuthSecret, secretBytes } from './auth-secret';

describe('readAuthSecret', () => {
  it('accepts 32 random bytes in base64 or hex, from either variable', () => {
    const base64 = randomBytes(32).toString('base64');
    const hex = randomBytes(32).toString('hex');
    expect(readAuthSecret({ STUDIO_SECRET: base64 })).toBe(base64);
    expect(readAuthSecret({ BETTER_AUTH_SECRET: hex })).toBe(hex);
    expect(secretBytes(hex)).toBe(32);
    expect(secretBytes(base64)).toBe(32);
  });

  it('refuses a missing, short or repetitive secret with a message that says how to fix it', () => {
    expect(() => readAuthSecret({})).toThrow(/No session secret is set.*openssl rand/);
    expect(() => readAuthSecret({ STUDIO_SECRET: randomBytes(16).toString('hex') })).toThrow(
      /STUDIO_SECRET carries 16 bytes; at least 32/,
    );
    expect(() => readAuthSecret({ BETTER_AUTH_SECRET: 'a'.repeat(80) })).toThrow(/must be random/);
  });
});
