import { Redis } from 'ioredis';
import { runEventsChannel } from '@studio/shared';
import { env } from '@/server/env';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { getRunOrThrow } from '@/server/runs';

export const dynamic = 'force-dynamic';

/**
 * Server-sent events of a run: live per-batch progress published by the worker. The page loads
 * the full state from Postgres first; these events only bring it up to date between reloads.
 */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    const { id } = await params;
    await getRunOrThrow(access, id);
    const subscriber = new Redis(env().REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    const channel = runEventsChannel(env().STUDIO_PREFIX, id);
    const encoder = new TextEncoder();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const close = () => {
      clearInterval(heartbeat);
      subscriber.disconnect();
    };
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        subscriber.on('message', (_channel, message) => send(`data: ${message}\n\n`));
        await subscriber.subscribe(channel);
        send(': connected\n\n');
        heartbeat = setInterval(() => send(': keep-alive\n\n'), 15_000);
        request.signal.addEventListener('abort', () => {
          close();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel: close,
    });
    return new Response(stream, {
      headers: {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      },
    });
  },
);
