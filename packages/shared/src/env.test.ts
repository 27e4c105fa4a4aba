import { existsSync } from 'node:fs';
import path from 'node:path';
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

  it('finds the shared folder beside the repository unless STUDIO_SHARED_DIR names one', () => {
    const env = readEnv({});
    expect(path.basename(env.STUDIO_SHARED_DIR)).toBe('shared');
    expect(existsSync(path.join(env.STUDIO_SHARED_DIR, 'datasets'))).toBe(true);
    expect(env.STUDIO_PRETRAINED_DIR).toBe(path.join(env.STUDIO_SHARED_DIR, 'pretrained'));
    const moved = readEnv({ STUDIO_SHARED_DIR: '/srv/studio-data' });
    expect(moved.STUDIO_SHARED_DIR).toBe('/srv/studio-data');
    expect(moved.STUDIO_PRETRAINED_DIR).toBe('/srv/studio-data/pretrained');
    expect(readEnv({ STUDIO_PRETRAINED_DIR: '/models' }).STUDIO_PRETRAINED_DIR).toBe('/models');
  });

  it('reads the trusted proxies as a list of addresses and ranges, naming a bad entry', () => {
    expect(readEnv({}).STUDIO_TRUSTED_PROXY).toEqual([]);
    expect(
      readEnv({ STUDIO_TRUSTED_PROXY: '10.0.0.5, 172.16.0.0/12,::1' }).STUDIO_TRUSTED_PROXY,
    ).toEqual(['10.0.0.5', '172.16.0.0/12', '::1']);
    expect(() => readEnv({ STUDIO_TRUSTED_PROXY: '10.0.0.5,proxy.local' })).toThrow(
      /STUDIO_TRUSTED_PROXY\.1: proxy\.local is not an IP address or CIDR range/,
    );
  });
});
