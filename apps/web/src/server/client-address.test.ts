import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addressBucket, clientAddress } from './client-address';
import { recordPeerAddresses } from './peer-address';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

const PROXIES = ['127.0.0.9', '10.0.0.0/8'];
let server: http.Server;
let port = 0;

beforeAll(async () => {
  // A real server, as `next start` makes one: the hook records each connection's address.
  recordPeerAddresses();
  server = http.createServer((request, response) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string') headers.set(name, value);
    response.end(JSON.stringify(clientAddress(headers, PROXIES)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The address the server works out for a request from `from` with these headers. */
function addressSeen(from: string, headers: Record<string, string> = {}): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, localAddress: from, headers },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body) as string | null));
      },
    );
    request.on('error', reject);
  });
}

describe('clientAddress', () => {
  it('is the connection itself when that is not a trusted proxy, whatever headers say', async () => {
    expect(await addressSeen('127.0.0.2')).toBe('127.0.0.2');
    expect(await addressSeen('127.0.0.2', { 'X-Forwarded-For': '198.51.100.7' })).toBe('127.0.0.2');
    expect(
      await addressSeen('127.0.0.2', {
        'X-Studio-Peer-Address': '198.51.100.7',
        'X-Studio-Client-Address': '198.51.100.8',
      }),
    ).toBe('127.0.0.2');
  });

  it('behind trusted proxies is the last address they appended that is not one of them', async () => {
    expect(await addressSeen('127.0.0.9', { 'X-Forwarded-For': '198.51.100.7' })).toBe(
      '198.51.100.7',
    );
    // A client's own X-Forwarded-For sits left of what the proxies appended.
    expect(
      await addressSeen('127.0.0.9', { 'X-Forwarded-For': '203.0.113.1, 198.51.100.7, 10.1.2.3' }),
    ).toBe('198.51.100.7');
    expect(await addressSeen('127.0.0.9', { 'X-Forwarded-For': '::ffff:198.51.100.9' })).toBe(
      '198.51.100.9',
    );
    // Nothing usable appended: the proxy's own address.
    expect(await addressSeen('127.0.0.9')).toBe('127.0.0.9');
    expect(await addressSeen('127.0.0.9', { 'X-Forwarded-For': 'unknown' })).toBe('127.0.0.9');
  });
});

describe('addressBucket', () => {
  it('counts IPv4 addresses alone and IPv6 ones by their /64', () => {
    expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
    expect(addressBucket('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002::/64');
    expect(addressBucket('2001:db8:1:2::ffff')).toBe('2001:0db8:0001:0002::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(addressBucket('::1')).toBe('0000:0000:0000:0000::/64');
  });
});
