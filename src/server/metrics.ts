import { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import { Gauge, Registry } from 'prom-client';
import { enableProcessMetrics, metricsText } from '../_shared/metrics.ts';
import { queueName } from '../queue/jobs.ts';
import { redisConnection } from '../queue/redis.ts';
import { campaignProviders } from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { deliveryCounts } from '../store/deliveries.ts';
import { DELIVERY_STATUSES } from '../store/schema.ts';

/**
 * Gauges read at scrape time, the same whatever process did the work: deliveries per status in
 * the ledger (all campaigns), and the depth of each provider's send queue in Redis.
 */
export function ledgerGauges(store: Store, redisUrl: string | null): { registry: Registry; close(): void } {
  const registry = new Registry();
  new Gauge({
    name: 'numero_deliveries',
    help: 'Deliveries in the ledger per status, all campaigns (the truth the counters approximate).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await deliveryCounts(store.db).catch(() => null); // database away: /readyz says so
      if (counts) for (const s of DELIVERY_STATUSES) this.set({ status: s }, counts[s]);
    },
  });
  const connection = redisUrl ? redisConnection(redisUrl) : null;
  const queues = new Map<string, Queue>();
  new Gauge({
    name: 'numero_queue_jobs',
    help: 'Jobs in each provider’s send queue, by state (a job is a batch of readers or one retry).',
    labelNames: ['provider', 'state'],
    registers: [registry],
    async collect() {
      if (!connection || !(await ready(connection))) return; // Redis away: /readyz says so
      for (const provider of await campaignProviders(store.db).catch(() => [])) {
        let q = queues.get(provider);
        if (!q) {
          q = new Queue(queueName(provider), { connection });
          q.on('error', () => {});
          queues.set(provider, q);
        }
        const counts = await q
          .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')
          .catch(() => null);
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ provider, state }, n);
      }
    },
  });
  return {
    registry,
    close() {
      for (const q of queues.values()) void q.close();
      connection?.disconnect();
    },
  };
}

/** Whether the connection is (or within a second becomes) ready: a scrape never hangs on Redis. */
function ready(connection: { status: string; once(e: 'ready', f: () => void): unknown }): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), 1_000);
    connection.once('ready', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** `/metrics` in Prometheus text format: this process's counters and the process metrics, plus `extra`. */
export function metricsRoutes(o: { extra?: Registry[]; auth?: MiddlewareHandler } = {}): Hono {
  enableProcessMetrics();
  const app = new Hono();
  if (o.auth) app.use('/metrics', o.auth);
  app.get('/metrics', async (c) => {
    const { contentType, body } = await metricsText(...(o.extra ?? []));
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
  return app;
}
