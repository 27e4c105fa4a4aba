import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

// No 'server-only' here: instrumentation.ts imports this, outside the React server graph.

/**
 * Next.js gives route handlers no socket, and the X-Forwarded-For it fills in keeps whatever a
 * client sent. So the web server writes each connection's own address into a request header
 * before Next.js reads the request. The header's name carries a random part made at start, so a
 * client cannot send it ahead of the hook; instrumentation and route bundles share it through
 * globalThis.
 */
const STATE = Symbol.for('studio.peerAddress');
type Holder = { [STATE]?: { header: string } };

/** Installs the hook on every HTTP(S) server of this process; later calls do nothing. */
export function recordPeerAddresses(): void {
  const holder = globalThis as Holder;
  if (holder[STATE]) return;
  const header = `x-studio-peer-${randomBytes(12).toString('hex')}`;
  for (const Server of [http.Server, https.Server]) {
    const emit = Server.prototype.emit;
    Server.prototype.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === 'request') {
        const request = args[0] as http.IncomingMessage;
        request.headers[header] = request.socket.remoteAddress ?? '';
      }
      return Reflect.apply(emit, this, [event, ...args]) as boolean;
    } as typeof emit;
  }
  holder[STATE] = { header };
}

/**
 * The address of the connection a request came over, or null when the web server did not record
 * it (started without the studio's instrumentation, or the request arrived while it started).
 */
export function peerAddress(headers: Headers): string | null {
  const state = (globalThis as Holder)[STATE];
  return state ? headers.get(state.header) || null : null;
}
