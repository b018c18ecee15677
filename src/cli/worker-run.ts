import { startSendWorker } from '../../workers/send.ts';
import { createLogger } from '../_shared/log.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { resolveRedis } from '../queue/redis.ts';
import { resolveSmtp } from '../send/smtp.ts';
import { openStore } from '../store/db.ts';
import { unsubscribeSecret } from './runtime.ts';

/**
 * `numero worker`. Kept apart from `send` so a worker never loads React or MJML: it only executes
 * the compiled issue stored with each campaign, which keeps its memory small.
 */
export async function runWorker(cfg: Config): Promise<void> {
  const log = createLogger('numero-worker', cfg.logLevel);
  const store = await openStore(cfg);
  const redis = await resolveRedis(cfg);
  const smtp = await resolveSmtp(cfg);
  const worker = await startSendWorker({
    config: cfg,
    store,
    redisUrl: redis.url,
    smtpUrl: smtp.url,
    newsletter: loadNewsletter(cfg.issuesDir),
    secret: unsubscribeSecret(cfg, false),
    log,
  });
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
  await worker.close();
  await smtp.close();
  await store.close();
  await redis.stop();
  log.info({}, 'worker.stopped');
}
