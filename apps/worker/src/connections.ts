import { Redis } from 'ioredis';

/**
 * Worker profile: BullMQ workers must wait for Redis rather than fail commands
 * (`maxRetriesPerRequest: null`), and reconnect forever.
 */
export function createWorkerRedis(url: string, log: (msg: string) => void): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) log(`redis: ${error.message}`);
    lastError = error.message;
  });
  redis.on('ready', () => (lastError = ''));
  return redis;
}
