/**
 * The send worker: consumes the provider's BullMQ queue, one pooled Nodemailer transport per
 * process, and keeps the queue in line with the ledger (a reconciler re-adds batches that still
 * have work, so a Redis that lost its data, or a job lost in a crash, never leaves a reader out).
 * Started by `numero worker`, by `numero demo` in-process, or as a container in docker-compose.yml.
 */
import { DelayedError, Queue, RateLimitError, Worker } from 'bullmq';
import type { Logger } from '../src/_shared/log.ts';
import type { Config } from '../src/config.ts';
import type { Newsletter } from '../src/content/data.ts';
import { enqueueBatches, enqueueRetry } from '../src/queue/enqueue.ts';
import { BATCH_JOB, queueName, retryDelayMs, type SendJobData } from '../src/queue/jobs.ts';
import { sharedRateLimiter } from '../src/queue/limiter.ts';
import { redisConnection } from '../src/queue/redis.ts';
import { completeIfDone, type SendDeps, sendDeliveries } from '../src/send/deliver.ts';
import { createPool } from '../src/send/transport.ts';
import { batchesWithWork, campaignsInState, overdueRetries } from '../src/store/campaigns.ts';
import type { Store } from '../src/store/db.ts';

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
  /** Runs the reconciler once now (tests, and `numero send` after enqueueing). */
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
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(o.newsletter.from)?.[1] ?? new URL(o.config.publicUrl).hostname;

  const deps: SendDeps = {
    store: o.store,
    transport,
    limiter: sharedRateLimiter(limiterConnection, s.provider, s.ratePerSecond),
    scheduleRetry: (campaignId, deliveryId, attempt, delayMs) =>
      enqueueRetry(queue, { campaignId, deliveryId, attempt }, delayMs),
    retryDelayMs: (attempt) => retryDelayMs(attempt, s.retryBaseMs),
    newsletter: o.newsletter,
    settings: {
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
      policyPauseShare: s.policyPauseShare,
      policyMinAttempts: 20,
    },
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
  const reconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      const now = Date.now();
      // Claimed rows older than two lock periods belong to a job whose worker is gone.
      const staleBefore = new Date(now - 2 * s.lockMs).toISOString();
      for (const c of await campaignsInState(o.store.db, ['queued', 'sending'])) {
        if (c.scheduled_at && Date.parse(c.scheduled_at) > now) continue;
        if (await completeIfDone(o.store, c.id)) continue;
        const batches = await batchesWithWork(o.store.db, c.id, staleBefore);
        if (batches.length) await enqueueBatches(queue, c.id, batches);
        for (const r of await overdueRetries(o.store.db, c.id, new Date(now - 30_000).toISOString())) {
          await enqueueRetry(queue, { campaignId: c.id, deliveryId: r.id, attempt: r.attempts + 1 }, 0);
        }
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'reconcile.failed');
    } finally {
      reconciling = false;
    }
  };
  const timer = setInterval(() => void reconcile(), s.reconcileIntervalMs);
  await worker.waitUntilReady();

  return {
    worker,
    queue,
    reconcile,
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
