import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DatasetError } from './errors';

/**
 * Addresses a URL import never connects to: loopback, private, shared (CGNAT), link-local (cloud
 * metadata), unique-local, multicast, unspecified, reserved and documentation ranges (the IANA
 * special-purpose registries). IPv4-mapped IPv6 addresses are checked against the IPv4 ranges.
 */
const SPECIAL_USE_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 96, 'ipv6'], // unspecified, loopback and the deprecated IPv4-compatible form
  ['::ffff:0:0:0', 96, 'ipv6'], // IPv4-translated
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];
const SPECIAL_USE = new BlockList();
for (const [network, prefix, family] of SPECIAL_USE_RANGES)
  SPECIAL_USE.addSubnet(network, prefix, family);
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** Whether an IP address is one a URL import must not reach (see SPECIAL_USE_RANGES). */
export function isSpecialUseAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`Not an IP address: ${JSON.stringify(address)}.`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (SPECIAL_USE.check(address, type)) return true;
  // The well-known NAT64 prefix carries an IPv4 address in its last 32 bits.
  return NAT64.check(address, 'ipv6') && isSpecialUseAddress(embeddedIpv4(address));
}

/**
 * Hosts an administrator lets URL imports reach although their addresses are internal (a
 * mirror on the local network): names, addresses or CIDR ranges, from
 * STUDIO_IMPORT_ALLOWED_HOSTS. Empty by default.
 */
export interface AllowedImportHosts {
  hostnames: ReadonlySet<string>;
  addresses: BlockList;
}

/** Parses a comma-separated list of host names, IP addresses and CIDR ranges. */
export function parseAllowedImportHosts(list = ''): AllowedImportHosts {
  const hostnames = new Set<string>();
  const addresses = new BlockList();
  for (const item of list.split(',').map((entry) => entry.trim().toLowerCase())) {
    if (item === '') continue;
    const [network = '', prefix, ...rest] = item.split('/');
    const family = isIP(network);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family !== 0 && rest.length === 0 && Number.isInteger(bits) && bits >= 0) {
      if (bits > (family === 6 ? 128 : 32))
        throw new Error(
          `STUDIO_IMPORT_ALLOWED_HOSTS: ${JSON.stringify(item)} has a prefix too long.`,
        );
      addresses.addSubnet(network, bits, family === 6 ? 'ipv6' : 'ipv4');
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(item)) {
      hostnames.add(item.replace(/\.$/, ''));
    } else {
      throw new Error(
        `STUDIO_IMPORT_ALLOWED_HOSTS: ${JSON.stringify(item)} is neither a host name, an IP address nor a CIDR range (e.g. mirror.lan, 10.0.0.5, 10.1.0.0/16).`,
      );
    }
  }
  return { hostnames, addresses };
}

const isListedAddress = (address: string, allowed: AllowedImportHosts) =>
  allowed.addresses.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

const REDIRECT_TARGET = 'The address a redirect leads to';

/** The error every refusal gives: it names the host the user typed, never what is behind it. */
function notAllowed(what: string): DatasetError {
  return new DatasetError(
    'URL_NOT_ALLOWED',
    `${what} is not allowed (address not allowed): imports fetch only from public internet addresses, never from this machine or its private network. An administrator can allow an internal mirror with STUDIO_IMPORT_ALLOWED_HOSTS.`,
  );
}

/**
 * Checks what can be judged without a DNS lookup: an http(s) URL whose host is not a refused
 * IP literal (in any spelling the URL parser normalises: `2130706433`, `0x7f.1`, `[::ffff:7f00:1]`)
 * nor a `localhost` name. `isRedirect` keeps a server-chosen target out of the message.
 */
export function checkImportUrl(
  url: string | URL,
  allowed: AllowedImportHosts,
  { isRedirect = false } = {},
): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatasetError(
      'URL_NOT_ALLOWED',
      `${isRedirect ? 'A redirect' : 'The URL'} is not a valid URL.`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new DatasetError(
      'URL_NOT_ALLOWED',
      `Only http(s) URLs can be imported${isRedirect ? '; the server redirected elsewhere' : ''}.`,
    );
  const host = hostOf(parsed);
  const what = isRedirect ? REDIRECT_TARGET : `The host ${JSON.stringify(host)}`;
  if (allowed.hostnames.has(host)) return parsed;
  if (isIP(host) !== 0) {
    if (isSpecialUseAddress(host) && !isListedAddress(host, allowed)) throw notAllowed(what);
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    throw notAllowed(what);
  }
  return parsed;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * The addresses of a host name that an import may connect to: listed names keep all of theirs;
 * otherwise refused addresses are dropped, and a name with none left is refused. Connect to one
 * of the returned addresses (not to the name again), so the address checked is the one reached.
 */
export async function resolveImportHost(
  hostname: string,
  allowed: AllowedImportHosts,
  {
    isRedirect = false,
    resolve = (name) => lookup(name, { all: true, verbatim: true }),
  }: {
    /** Keeps a server-chosen host out of the message. */
    isRedirect?: boolean;
    /** How names are resolved; tests give fixed answers. Default: the system resolver. */
    resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  } = {},
): Promise<ResolvedAddress[]> {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const addresses = await resolve(host);
  if (allowed.hostnames.has(host)) return addresses;
  const usable = addresses.filter(
    (a) => !isSpecialUseAddress(a.address) || isListedAddress(a.address, allowed),
  );
  if (usable.length === 0)
    throw notAllowed(isRedirect ? REDIRECT_TARGET : `The host ${JSON.stringify(host)}`);
  return usable;
}

/** A URL's host without IPv6 brackets or a trailing dot, lower-case. */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

function embeddedIpv4(ipv6: string): string {
  const groups = ipv6.split(':');
  const tail = groups.at(-1) ?? '';
  if (isIP(tail) === 4) return tail;
  const low = parseInt(tail || '0', 16);
  const high = parseInt(groups.at(-2) || '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
