import { type Context, Hono } from 'hono';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { withTimeout } from '../_shared/timeout.ts';
import type { Store } from '../store/db.ts';

/** One dependency that /readyz asks: it resolves when reachable, throws (with why) otherwise. */
export interface Probe {
  name: string;
  check(): Promise<void>;
}

export function storeProbe(store: Store): Probe {
  return {
    name: 'database',
    check: async () => {
      await withTimeout(sql`select 1`.execute(store.db), 2_000, 'database');
    },
  };
}

/**
 * Redis, through a connection of its own that fails fast while Redis is away (no offline queue),
 * and reconnects by itself when it is back.
 */
export function redisProbe(url: string): Probe & { close(): void } {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: () => 500,
  });
  redis.on('error', () => {}); // the probe reports it; it is not this process's failure
  void redis.connect().catch(() => {});
  return {
    name: 'redis',
    check: async () => {
      // Still connecting (just started, or Redis just came back): give it the same second.
      if (redis.status !== 'ready')
        await withTimeout(
          new Promise<void>((resolve) => redis.once('ready', () => resolve())),
          1_000,
          'redis',
        );
      const pong = await withTimeout(redis.ping(), 1_000, 'redis');
      if (pong !== 'PONG') throw new Error(`redis answered ${pong}`);
    },
    close: () => redis.disconnect(),
  };
}

/**
 * `/healthz`: the process answers. `/readyz`: every probe answers, else 503 naming what does not.
 * Why a probe failed (an error that may name the database's address) is shown to operators only:
 * `isOperator` says who is one (serve: the ops token); without it, nobody sees the errors.
 */
export function healthRoutes(
  probes: readonly Probe[],
  isOperator: (c: Context) => boolean = () => false,
): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      probes.map(async (p) => {
        try {
          await p.check();
          return { name: p.name, ok: true, error: null };
        } catch (e) {
          return { name: p.name, ok: false, error: (e as Error).message || String(e) };
        }
      }),
    );
    const ok = results.every((r) => r.ok);
    const checks = isOperator(c) ? results : results.map(({ name, ok }) => ({ name, ok }));
    return c.json({ ready: ok, checks }, ok ? 200 : 503, { 'Cache-Control': 'no-store' });
  });
  return app;
}
