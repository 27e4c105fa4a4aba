import { describe, expect, it } from 'vitest';
import { readableAddress } from './readable-address';

describe('readable addresses', () => {
  it('shows an IPv4 address mapped into IPv6 as IPv4', () => {
    expect(readableAddress('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(readableAddress('::ffff:192.168.1.20')).toBe('192.168.1.20');
    expect(readableAddress('::ffff:c0a8:0114')).toBe('192.168.1.20');
  });

  it('shortens other IPv6 addresses and leaves IPv4 and odd values alone', () => {
    expect(readableAddress('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(readableAddress('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe(
      '2001:db8::ff00:42:8329',
    );
    expect(readableAddress('fe80:0000:0000:0000:0000:0000:0000:0000')).toBe('fe80::');
    expect(readableAddress('10.0.0.7')).toBe('10.0.0.7');
    expect(readableAddress('not:an:address')).toBe('not:an:address');
  });
});
