import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { subscribeToRunEvents } from '@/server/run-events';
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
    const encoder = new TextEncoder();
    let send: (text: string) => void = () => undefined;
    const unsubscribe = await subscribeToRunEvents(id, (message) => send(`data: ${message}\n\n`));
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        send(': connected\n\n');
        heartbeat = setInterval(() => send(': keep-alive\n\n'), 15_000);
        const end = () => {
          close();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        if (request.signal.aborted) end();
        else request.signal.addEventListener('abort', end);
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
