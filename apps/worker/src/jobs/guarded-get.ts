import type { LookupAddress, LookupOptions } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  checkImportUrl,
  DatasetError,
  resolveImportHost,
  type AllowedImportHosts,
} from '@studio/datasets';
import { DownloadError } from './download-error';

export interface GuardedGetOptions {
  allowed: AllowedImportHosts;
  signal?: AbortSignal;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** A connection silent this long is given up (temporary). Default 60 s. */
  idleTimeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a URL for an import, refusing internal addresses (see import-url-policy): a host name is
 * resolved once and the connection goes to the address that passed the check (a custom
 * `lookup`), so a DNS answer that changes between check and connect cannot slip through.
 * Redirects are followed by hand, each target checked the same way. Resolves with the first
 * response that is not a redirect; its body is the caller's to read or discard.
 */
export async function guardedGet(
  url: string,
  options: GuardedGetOptions,
): Promise<IncomingMessage> {
  const maxRedirects = options.maxRedirects ?? 5;
  let target = checkImportUrl(url, options.allowed);
  for (let redirects = 0; ; redirects += 1) {
    const response = await requestOnce(target, options, redirects > 0);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return response;
    response.resume();
    if (redirects >= maxRedirects)
      throw new DownloadError(
        `${url} redirected more than ${maxRedirects} times; give the archive's final URL instead.`,
      );
    target = checkImportUrl(new URL(location, target), options.allowed, { isRedirect: true });
  }
}

function requestOnce(
  url: URL,
  options: GuardedGetOptions,
  isRedirect: boolean,
): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  const host = url.hostname;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        agent: false, // a pooled socket could outlive the check of the address it reaches
        lookup: guardedLookup(options.allowed, isRedirect),
        signal: options.signal,
        timeout: options.idleTimeoutMs ?? 60_000,
        headers: { 'user-agent': 'studio-import', accept: '*/*' },
      },
      resolve,
    );
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })),
    );
    request.on('error', (error) => reject(describeRequestError(error, host, options.signal)));
  });
}

/** Resolves through the import policy; net connects to exactly the addresses it returns. */
function guardedLookup(allowed: AllowedImportHosts, isRedirect: boolean): LookupFunction {
  return (hostname: string, lookupOptions: LookupOptions, callback) => {
    resolveImportHost(hostname, allowed, { isRedirect }).then(
      (addresses: LookupAddress[]) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'its name could not be resolved just now',
  ETIMEDOUT: 'no answer in time',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * A connection failure in words that name neither addresses nor ports; refusals by the import
 * policy and aborts pass through unchanged.
 */
function describeRequestError(error: unknown, host: string, signal?: AbortSignal): unknown {
  if (error instanceof DatasetError || signal?.aborted) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code))
    return new DownloadError(
      `Could not reach ${host}: its TLS certificate could not be verified (${code}).`,
    );
  return new DownloadError(
    `Could not reach ${host}: ${REASONS[code] ?? 'the connection failed'}.`,
    true,
  );
}
