import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Queue } from 'bullmq';
import type { Hono } from 'hono';
import { queueName } from '../../queue/jobs.ts';
import { redisConnection } from '../../queue/redis.ts';

/**
 * Bull Board, the maintained BullMQ queue viewer, for the raw queue view (jobs, their data and
 * errors, retry or clean them) rather than a page of our own. Mounted under /ops/queues behind
 * the dashboard's authentication, one board entry per provider queue.
 */
export function bullBoard(
  redisUrl: string,
  providers: readonly string[],
): { app: Hono; addProvider(p: string): void; close(): Promise<void> } {
  const connection = redisConnection(redisUrl, () => {}, { failFast: true });
  const queues = new Map<string, Queue>();
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath('/ops/queues');
  const board = createBullBoard({
    queues: [],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'numero queues' } },
  });
  const addProvider = (p: string) => {
    if (queues.has(p)) return;
    const q = new Queue(queueName(p), { connection });
    q.on('error', () => {});
    queues.set(p, q);
    board.addQueue(new BullMQAdapter(q));
  };
  for (const p of providers) addProvider(p);
  return {
    app: adapter.registerPlugin() as unknown as Hono,
    addProvider,
    async close() {
      for (const q of queues.values()) await q.close();
      connection.disconnect();
    },
  };
}
