import { Queue } from 'bullmq';
import type { CampaignQueue } from '../campaign/queue-port.ts';
import { enqueueBatches } from './enqueue.ts';
import { queueName, type SendJobData } from './jobs.ts';
import { redisConnection } from './redis.ts';

/** The campaign use cases' queue on BullMQ: one Queue per provider, opened when first used. */
export function bullCampaignQueue(
  redisUrl: string,
  description: string,
): CampaignQueue & { close(): Promise<void> } {
  const connection = redisConnection(redisUrl);
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
    enqueueBatches: (campaignId, provider, batches, delayMs) =>
      enqueueBatches(queueOf(provider), campaignId, batches, delayMs),
    async close() {
      for (const q of queues.values()) await q.close();
      connection.disconnect();
    },
  };
}
