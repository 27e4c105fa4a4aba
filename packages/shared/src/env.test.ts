import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, readEnv } from './env';

describe('readEnv', () => {
  it('defaults to the local services', () => {
    const env = readEnv({});
    expect(env.DATABASE_URL).toBe(DEFAULT_DATABASE_URL);
    expect(env.REDIS_URL).toBe(DEFAULT_REDIS_URL);
    expect(env.STUDIO_PREFIX).toBe('studio');
    expect(env.STUDIO_MAX_UPLOAD_BYTES).toBe(2 * 1024 ** 3);
    expect(env.STUDIO_BODY_IDLE_TIMEOUT_S).toBe(30);
  });

  it('coerces numbers and names every invalid variable', () => {
    expect(readEnv({ STUDIO_MAX_UPLOAD_BYTES: '1024' }).STUDIO_MAX_UPLOAD_BYTES).toBe(1024);
    expect(() => readEnv({ DATABASE_URL: 'not a url', STUDIO_BACKEND: 'tpu' })).toThrow(
      /DATABASE_URL: .*; STUDIO_BACKEND: /,
    );
    expect(() => readEnv({ STUDIO_PREFIX: 'has spaces' })).toThrow(/STUDIO_PREFIX/);
  });
});
