import { Queue } from 'bullmq';
import { withTimeout } from '../_shared/timeout.ts';
import type { CampaignQueue } from '../campaign/queue-port.ts';
import { enqueueBatches, enqueueConfirmation, enqueueWelcome } from './enqueue.ts';
import { queueName, type SendJobData } from './jobs.ts';
import { redisConnection } from './redis.ts';

/** The campaign use cases' queue on BullMQ: one Queue per provider, opened when first used. */
export function bullCampaignQueue(
  redisUrl: string,
  description: string,
  o: { failFast?: boolean } = {},
): CampaignQueue & {
  /** A signup's confirmation message on the provider's queue (src/send/confirmation.ts). */
  enqueueConfirmation(provider: string, signupId: number): Promise<void>;
  /** A list's welcome numéro for a reader who joined (src/send/welcome.ts). */
  enqueueWelcome(provider: string, listId: number, subscriberId: number): Promise<void>;
  close(): Promise<void>;
} {
  // The dashboard's (failFast): a Retry while Redis is away answers at once instead of hanging.
  const connection = redisConnection(redisUrl, () => {}, { failFast: o.failFast === true });
  const queues = new Map<string, Queue<SendJobData>>();
  const queueOf = (provider: string) => {
    let q = queues.get(provider);
    if (!q) {
      q = new Queue<SendJobData>(queueName(provider), { connection });
      q.on('error', () => {}); // ioredis reconnects; a lost connection is not this process's crash
      queues.set(provider, q);
    }
    return q;
  };
  return {
    description,
    enqueueBatches: (campaignId, provider, batches, delayMs) => {
      const work = enqueueBatches(queueOf(provider), campaignId, batches, delayMs);
      if (!o.failFast) return work;
      // BullMQ waits for its connection to be ready: a person's request does not wait with it.
      return withTimeout(work, 5_000, 'Redis');
    },
    workers: (provider) => queueOf(provider).getWorkersCount(),
    enqueueConfirmation: (provider, signupId) =>
      withTimeout(enqueueConfirmation(queueOf(provider), signupId), 5_000, 'Redis'),
    enqueueWelcome: (provider, listId, subscriberId) =>
      withTimeout(enqueueWelcome(queueOf(provider), listId, subscriberId), 5_000, 'Redis'),
    async close() {
      for (const q of queues.values()) await q.close();
      connection.disconnect();
    },
  };
}
