import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { healthRoutes, redisProbe, storeProbe } from '../server/health.ts';
import { type Listening, listen } from '../server/listen.ts';
import { metricsRoutes } from '../server/metrics.ts';
import { startRuntime } from './services.ts';
import { untilStopped } from './signals.ts';

/**
 * A send worker process (`numero worker`, workers/send.ts, a docker-compose `worker`): its services,
 * its metrics and health on METRICS_PORT when set, until SIGTERM, which drains in-flight messages.
 */
export async function runWorkerProcess(cfg: Config): Promise<void> {
  // Listening before anything starts: a SIGTERM that comes during start-up, or right after
  // `worker.started` is written, still stops the worker gracefully (it used to kill it outright).
  const stopped = untilStopped();
  const rt = await startRuntime(cfg, { logName: 'numero-worker', logLevel: cfg.logLevel, demoSecret: false });
  const { log, redis, smtp, store } = rt;
  let http: Listening | null = null;
  const probe = redisProbe(redis.url);
  if (cfg.metrics) {
    const app = metricsRoutes();
    app.route('/', healthRoutes([storeProbe(store), probe]));
    http = await listen(app, cfg.metrics.port, cfg.metrics.host);
  }
  log.info(
    {
      redis: redis.description,
      smtp: smtp.description,
      database: store.description,
      provider: cfg.send.provider,
      metrics: http ? `${http.url}/metrics` : null,
      // Which code runs: the bundle `numero worker` builds at start (bin/worker-bundle.mjs), or src/.
      code: fileURLToPath(import.meta.url),
      // The V8 heap it may use (bin/worker-thread.mjs sizes it, in a thread, unless the launcher did).
      heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 1024 / 1024),
      thread: !isMainThread,
    },
    'worker.started',
  );
  const signal = await stopped;
  log.info({ signal }, 'worker.stopping: finishing in-flight messages');
  await http?.close();
  probe.close();
  await rt.close();
  log.info({}, 'worker.stopped');
}
