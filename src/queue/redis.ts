import { Redis } from 'ioredis';

/** A Redis connection for BullMQ (workers need `maxRetriesPerRequest: null`). */
export function redisConnection(url: string, onError: (e: Error) => void = () => {}): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  // ioredis reconnects by itself; a lost connection is reported, never thrown into the process.
  r.on('error', onError);
  return r;
}
