import { DelayedError, Queue, RateLimitError, Worker } from 'bullmq';
import type { Logger } from '../_shared/log.ts';
import type { Config } from '../config.ts';
import type { Newsletter } from '../content/data.ts';
import { enqueueRetry } from '../queue/enqueue.ts';
import { BATCH_JOB, queueName, retryDelayMs, type SendJobData } from '../queue/jobs.ts';
import { sharedRateLimiter } from '../queue/limiter.ts';
import { redisConnection } from '../queue/redis.ts';
import type { Store } from '../store/db.ts';
import { sendDeliveries } from './batch.ts';
import type { SendDeps } from './deps.ts';
import { mailDomainOf } from './message.ts';
import { reconcile } from './reconcile.ts';
import { createPool } from './transport.ts';

/**
 * The send worker: consumes the provider's BullMQ queue with one pooled Nodemailer transport per
 * process, and keeps the queue in line with the ledger (the reconciler). Started by the process
 * entry point workers/send.ts (`numero worker`) and in-process by `numero demo` and the tests.
 */
export interface SendWorkerOptions {
  config: Config;
  store: Store;
  redisUrl: string;
  smtpUrl: string;
  newsletter: Newsletter;
  secret: string;
  log: Logger;
}

export interface SendWorker {
  worker: Worker<SendJobData>;
  queue: Queue<SendJobData>;
  /** Runs the reconciler once now (tests, and `numero demo` after enqueueing). */
  reconcile(): Promise<void>;
  /** Graceful: lets in-flight messages finish and records them, then closes everything. */
  close(): Promise<void>;
}

export async function startSendWorker(o: SendWorkerOptions): Promise<SendWorker> {
  const s = o.config.send;
  const onRedisError = (e: Error) => o.log.warn({ err: e.message }, 'redis.error');
  const connection = redisConnection(o.redisUrl, onRedisError);
  const queueConnection = redisConnection(o.redisUrl, onRedisError);
  const limiterConnection = redisConnection(o.redisUrl, onRedisError);
  const queue = new Queue<SendJobData>(queueName(s.provider), { connection: queueConnection });
  queue.on('error', onRedisError);
  const transport = createPool({
    url: o.smtpUrl,
    poolSize: s.poolSize,
    messagesPerConnection: s.messagesPerConnection,
    dkim: s.dkim,
  });
  const fromDomain = mailDomainOf(o.newsletter.from) ?? new URL(o.config.publicUrl).hostname;

  const deps: SendDeps = {
    store: o.store,
    transport,
    limiter: sharedRateLimiter(limiterConnection, s.provider, s.ratePerSecond),
    scheduleRetry: (campaignId, deliveryId, attempt, delayMs) =>
      enqueueRetry(queue, { campaignId, deliveryId, attempt }, delayMs),
    retryDelayMs: (attempt) => retryDelayMs(attempt, s.retryBaseMs),
    newsletter: o.newsletter,
    settings: {
      provider: s.provider,
      secret: o.secret,
      publicUrl: o.config.publicUrl,
      mailtoDomain: o.config.unsubscribeMailtoDomain,
      bounceDomain: s.bounceDomain ?? fromDomain,
      messageDomain: fromDomain,
      concurrency: s.messageConcurrency,
      maxAttempts: s.maxAttempts,
      flushEvery: 20,
      throttleWaitMs: s.throttleWaitMs,
      staleClaimMs: s.lockMs,
      stateCheckMs: 250,
      policyPauseShare: s.policyPauseShare,
      policyMinAttempts: 20,
    },
    // One line per delivery outcome, each with campaignId, deliveryId, messageId and subscriberId;
    // the many `sent` lines only at LOG_LEVEL=debug.
    log: (event, fields) =>
      event === 'delivery.sent' ? o.log.debug(fields, event) : o.log.info(fields, event),
  };

  const worker: Worker<SendJobData> = new Worker<SendJobData>(
    queueName(s.provider),
    async (job, token) => {
      const data = job.data;
      const result = await sendDeliveries(
        deps,
        job.name === BATCH_JOB && 'batch' in data
          ? data
          : { campaignId: data.campaignId, deliveryId: (data as { deliveryId: number }).deliveryId },
      );
      if (result.kind === 'paused') {
        // Paused campaigns wait without spending attempts; resume puts them back in line.
        await job.moveToDelayed(Date.now() + 5_000, token);
        throw new DelayedError();
      }
      if (result.kind === 'throttled') {
        // The provider said "slow down": the whole queue waits, the job comes back, nothing is dropped.
        await worker.rateLimit(result.waitMs);
        throw new RateLimitError();
      }
      return result;
    },
    {
      connection,
      concurrency: s.concurrency,
      lockDuration: s.lockMs,
      stalledInterval: s.lockMs,
      maxStalledCount: 1_000_000,
      autorun: true,
    },
  );
  worker.on('failed', (job, err) => o.log.warn({ jobId: job?.id, err: err.message }, 'job.failed'));
  worker.on('error', (err) => o.log.warn({ err: err.message }, 'worker.error'));

  let reconciling = false;
  const runReconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      await reconcile(o.store.db, queue, { lockMs: s.lockMs, provider: s.provider });
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'reconcile.failed');
    } finally {
      reconciling = false;
    }
  };
  const timer = setInterval(() => void runReconcile(), s.reconcileIntervalMs);
  await worker.waitUntilReady();

  return {
    worker,
    queue,
    reconcile: runReconcile,
    async close() {
      clearInterval(timer);
      while (reconciling) await new Promise((r) => setTimeout(r, 20));
      await worker.close();
      await queue.close();
      transport.close();
      connection.disconnect();
      queueConnection.disconnect();
      limiterConnection.disconnect();
    },
  };
}
