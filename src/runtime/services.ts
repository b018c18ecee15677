import { createLogger, type Logger } from '../_shared/log.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { type SendWorker, startSendWorker } from '../send/worker.ts';
import { openStore, type Store } from '../store/db.ts';
import { type RedisTarget, resolveRedis } from './redis-server.ts';
import { unsubscribeSecret } from './secret.ts';
import { resolveSmtp, type SmtpTarget } from './smtp-target.ts';

/**
 * A process's services on their embedded defaults: the database, Redis (a private redis-server when
 * REDIS_URL is unset), SMTP (the built-in capture when SMTP_URL is unset) and a send worker.
 * `numero worker` and `numero demo` start the same thing.
 */
export interface Runtime {
  store: Store;
  redis: RedisTarget;
  smtp: SmtpTarget;
  worker: SendWorker;
  log: Logger;
  /** Stops the worker (draining in-flight messages), then everything it started. */
  close(): Promise<void>;
}

export async function startRuntime(
  cfg: Config,
  o: { logName: string; logLevel: string; demoSecret: boolean },
): Promise<Runtime> {
  const log = createLogger(o.logName, o.logLevel);
  // What the configuration must give, checked before anything starts: a missing secret is a
  // message and an exit, never a process that waits with an embedded Redis holding it open.
  const secret = unsubscribeSecret(cfg, o.demoSecret);
  const newsletter = loadNewsletter(cfg.issuesDir);
  const started: Array<() => Promise<unknown>> = [];
  let worker: SendWorker;
  let store: Store;
  let redis: RedisTarget;
  let smtp: SmtpTarget;
  try {
    store = await openStore(cfg);
    const s = store;
    started.push(() => s.close());
    redis = await resolveRedis(cfg);
    const r = redis;
    started.push(() => r.stop());
    smtp = await resolveSmtp(cfg);
    const m = smtp;
    started.push(() => m.close());
    worker = await startSendWorker({
      config: cfg,
      store,
      redisUrl: redis.url,
      smtpUrl: smtp.url,
      newsletter,
      secret,
      log,
    });
  } catch (e) {
    for (const stop of started.reverse()) await stop().catch(() => {});
    throw e;
  }
  return {
    store,
    redis,
    smtp,
    worker,
    log,
    async close() {
      await worker.close();
      await smtp.close();
      await store.close();
      await redis.stop();
    },
  };
}
