import 'server-only';
import { Redis } from 'ioredis';
import { runEventsChannel } from '@studio/shared';
import { answerWithin } from './answer-within';
import { env } from './env';
import { queueUnavailable, REDIS_REQUEST_OPTIONS, REDIS_WAIT_MS, requireQueue } from './queue';

type Listener = (message: string) => void;

interface Channel {
  listeners: Set<Listener>;
  /** Settles when Redis has confirmed the subscription. */
  subscribed: Promise<unknown>;
}

interface Subscriber {
  connection: Redis;
  /** A channel is subscribed while an event stream listens to it. */
  channels: Map<string, Channel>;
}

// One subscriber connection per server process, shared by every event stream: a connection
// per stream would let a few hundred open pages exhaust Redis's clients.
const holder = globalThis as unknown as { studioRunEvents?: Subscriber };

function subscriber(): Subscriber {
  if (!holder.studioRunEvents) {
    // Commands wait for a reconnection, so a subscription made or dropped during an outage takes
    // effect when Redis returns (ioredis subscribes its channels again on reconnecting).
    const connection = new Redis(env().REDIS_URL, {
      ...REDIS_REQUEST_OPTIONS,
      maxRetriesPerRequest: null,
    });
    connection.on('error', () => undefined); // surfaced by the requests that need it
    const channels = new Map<string, Channel>();
    connection.on('message', (channel: string, message: string) => {
      for (const listener of channels.get(channel)?.listeners ?? []) listener(message);
    });
    holder.studioRunEvents = { connection, channels };
  }
  return holder.studioRunEvents;
}

function subscribeChannel(connection: Redis, channels: Map<string, Channel>, name: string) {
  const channel: Channel = { listeners: new Set(), subscribed: connection.subscribe(name) };
  // A failed subscription is forgotten, so the next stream of the run tries again.
  channel.subscribed.catch(() => channels.get(name) === channel && channels.delete(name));
  channels.set(name, channel);
  return channel;
}

/**
 * Calls `listener` with each live event the worker publishes for a run, until the returned
 * function is called. When Redis is down or hangs: a 503 within a few seconds, instead of an
 * event stream that never receives anything.
 */
export async function subscribeToRunEvents(runId: string, listener: Listener): Promise<() => void> {
  const outcome = 'Live progress is not shown; reload the page when Redis is back.';
  await requireQueue(outcome);
  const { connection, channels } = subscriber();
  const name = runEventsChannel(env().STUDIO_PREFIX, runId);
  const channel = channels.get(name) ?? subscribeChannel(connection, channels, name);
  channel.listeners.add(listener);
  let isListening = true;
  const unsubscribe = () => {
    if (!isListening) return;
    isListening = false;
    channel.listeners.delete(listener);
    if (channel.listeners.size > 0 || channels.get(name) !== channel) return;
    channels.delete(name);
    connection.unsubscribe(name).catch(() => undefined);
  };
  try {
    await answerWithin(channel.subscribed, REDIS_WAIT_MS);
  } catch (error) {
    unsubscribe();
    throw queueUnavailable((error as Error).message, outcome);
  }
  return unsubscribe;
}
