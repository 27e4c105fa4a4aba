import 'server-only';
import { BlockList, isIP, isIPv6 } from 'node:net';
import { env } from './env';
import { peerAddress } from './peer-address';

/** Where the studio hands Better Auth the client's address (sessions list, its own limits). */
export const CLIENT_ADDRESS_HEADER = 'x-studio-client-address';

/** One spelling per address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as IPv4; null if not an IP. */
function normaliseAddress(value: string): string | null {
  const address = value.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1] ?? address;
  return isIP(mapped) ? mapped : null;
}

const proxyLists = new Map<string, BlockList>();

function proxyListOf(ranges: string[]): BlockList {
  const key = ranges.join(',');
  let list = proxyLists.get(key);
  if (!list) {
    list = new BlockList();
    for (const range of ranges) {
      const [address, prefix] = range.split('/');
      const family = isIPv6(address!) ? 'ipv6' : 'ipv4';
      if (prefix === undefined) list.addAddress(address!, family);
      else list.addSubnet(address!, Number(prefix), family);
    }
    proxyLists.set(key, list);
  }
  return list;
}

/**
 * Where a request comes from: the address of its connection, unless that connection is one of
 * STUDIO_TRUSTED_PROXY; then the last X-Forwarded-For entry that is not a trusted proxy itself
 * (a client can prepend anything, only what the proxies appended counts). Null when the web
 * server did not record the connection.
 */
export function clientAddress(
  headers: Headers,
  trustedProxies: string[] = env().STUDIO_TRUSTED_PROXY,
): string | null {
  const peer = normaliseAddress(peerAddress(headers) ?? '');
  if (!peer) return null;
  const proxies = proxyListOf(trustedProxies);
  const isTrusted = (address: string) => proxies.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  let client = peer;
  const hops = (headers.get('x-forwarded-for') ?? '').split(',').reverse();
  for (const hop of hops) {
    if (!isTrusted(client)) break;
    const address = normaliseAddress(hop);
    if (!address) break;
    client = address;
  }
  return client;
}

/**
 * The bucket an address counts in: itself for IPv4; its /64 for IPv6, since one host usually
 * holds a whole /64 and could otherwise take a fresh address per guess.
 */
export function addressBucket(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.padStart(4, '0'))
    .join(':')}::/64`;
}

/** A request's headers for Better Auth, with the client's address where it reads it. */
export function headersForAuth(headers: Headers, address = clientAddress(headers)): Headers {
  const copy = new Headers(headers);
  copy.delete(CLIENT_ADDRESS_HEADER);
  if (address) copy.set(CLIENT_ADDRESS_HEADER, address);
  return copy;
}
