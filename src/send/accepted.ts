import { Redis } from 'ioredis';

/**
 * What the relay accepted, written to Redis the moment it answers 250, one entry per message, while
 * the ledger catches up in batches. A run that dies (SIGKILL, OOM, power) leaves its claimed rows
 * `sending` in the ledger; the run that takes them over asks here first, records those the relay
 * already accepted as sent, and sends only the rest. So the only messages that can go twice are
 * those whose SMTP answer had not reached Redis or the database at the crash: the ones in flight.
 *
 * One hash per campaign (`numero:accepted:c{id}`, field = delivery id, value = [message id,
 * response, accepted at]); entries are deleted once the ledger holds them, so Redis keeps only the
 * few not yet written (a few hundred per worker), never a campaign's history. Each write goes out
 * as its message is accepted, without waiting for the reply to the one before (Redis replies in
 * order); ioredis' auto-pipelining would only wrap each in a pipeline object of its own, since
 * acceptances arrive one per socket read.
 */
export interface Accepted {
  messageId: string;
  response: string;
  at: string;
}

export interface AcceptedLog {
  /** Resolves once Redis holds the entry; rejects at once when Redis is away (the caller then writes the ledger now). */
  add(campaignId: number, deliveryId: number, a: Accepted): Promise<void>;
  /** Those of `deliveryIds` a run accepted and the ledger may not have: rejects while Redis is away. */
  find(campaignId: number, deliveryIds: readonly number[]): Promise<Map<number, Accepted>>;
  /** The ledger has them now. */
  forget(campaignId: number, deliveryIds: readonly number[]): Promise<void>;
  close(): void;
}

const key = (campaignId: number) => `numero:accepted:c${campaignId}`;
/** A campaign's leftovers (a crash between the ledger's commit and the delete) expire on their own. */
const KEEP_SECONDS = 7 * 24 * 3600;

export async function redisAcceptedLog(url: string, onError: (e: Error) => void): Promise<AcceptedLog> {
  // No offline queue: while Redis is away a write fails now instead of waiting, so the ledger is
  // written at once and no accepted message is left recorded nowhere.
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  redis.on('error', onError);
  await redis.connect().catch(onError); // a Redis away at start: reconnects by itself
  return {
    async add(campaignId, deliveryId, a) {
      await redis.hset(key(campaignId), String(deliveryId), JSON.stringify([a.messageId, a.response, a.at]));
    },
    async find(campaignId, deliveryIds) {
      const found = new Map<number, Accepted>();
      if (!deliveryIds.length) return found;
      const values = await redis.hmget(key(campaignId), ...deliveryIds.map(String));
      values.forEach((v, i) => {
        const id = deliveryIds[i];
        if (v === null || id === undefined) return;
        const [messageId, response, at] = JSON.parse(v) as [string, string, string];
        found.set(id, { messageId, response, at });
      });
      return found;
    },
    async forget(campaignId, deliveryIds) {
      if (!deliveryIds.length) return;
      await redis
        .multi()
        .hdel(key(campaignId), ...deliveryIds.map(String))
        .expire(key(campaignId), KEEP_SECONDS)
        .exec();
    },
    close() {
      redis.disconnect();
    },
  };
}
