import { type SendWorker, startSendWorker } from '../../workers/send.ts';
import { createLogger, type Logger } from '../_shared/log.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { type RedisTarget, resolveRedis } from '../queue/redis.ts';
import { resolveSmtp, type SmtpTarget } from '../send/smtp.ts';
import { openStore, type Store } from '../store/db.ts';
import { unsubscribeSecret } from './runtime.ts';

/**
 * `numero worker`. Kept apart from `send` so a worker never loads React or MJML: it only executes
 * the compiled issue stored with each campaign, which keeps its memory small.
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

/** The database, Redis (private when REDIS_URL is unset), SMTP (capture when SMTP_URL is unset) and a worker. */
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

export async function runWorker(cfg: Config): Promise<void> {
  const rt = await startRuntime(cfg, { logName: 'numero-worker', logLevel: cfg.logLevel, demoSecret: false });
  const { log, redis, smtp, store } = rt;
  log.info(
    {
      redis: redis.description,
      smtp: smtp.description,
      database: store.description,
      provider: cfg.send.provider,
    },
    'worker.started',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'worker.stopping: finishing in-flight messages');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await rt.close();
  log.info({}, 'worker.stopped');
}
