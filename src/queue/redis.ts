import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ. Workers need `maxRetriesPerRequest: null` (a command waits for
 * Redis to come back). A server answering a person (`failFast`) must not: while Redis is away its
 * commands fail at once, with the reason, instead of hanging the page; it reconnects by itself.
 */
export function redisConnection(
  url: string,
  onError: (e: Error) => void = () => {},
  o: { failFast?: boolean } = {},
): Redis {
  const r = new Redis(
    url,
    o.failFast
      ? {
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          enableReadyCheck: true,
          connectTimeout: 2_000,
          commandTimeout: 5_000,
          retryStrategy: () => 1_000,
        }
      : { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false },
  );
  // ioredis reconnects by itself; a lost connection is reported, never thrown into the process.
  r.on('error', onError);
  return r;
}
