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
  const store = await openStore(cfg);
  const redis = await resolveRedis(cfg);
  const smtp = await resolveSmtp(cfg);
  const worker = await startSendWorker({
    config: cfg,
    store,
    redisUrl: redis.url,
    smtpUrl: smtp.url,
    newsletter: loadNewsletter(cfg.issuesDir),
    secret: unsubscribeSecret(cfg, o.demoSecret),
    log,
  });
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
