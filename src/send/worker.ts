import { DelayedError, type Job, Queue, RateLimitError, Worker } from 'bullmq';
import type { Logger } from '../_shared/log.ts';
import { metrics } from '../_shared/metrics.ts';
import { isOutage, outageDelayMs } from '../_shared/outage.ts';
import { noteRelayOutage, pauseForRelayAuth } from '../campaign/lifecycle.ts';
import type { Config } from '../config.ts';
import type { Newsletter } from '../content/data.ts';
import { relayBreaker } from '../queue/breaker.ts';
import { enqueueRetry } from '../queue/enqueue.ts';
import { BATCH_JOB, queueName, retryDelayMs, type SendJobData } from '../queue/jobs.ts';
import { sharedRateLimiter } from '../queue/limiter.ts';
import { redisConnection } from '../queue/redis.ts';
import type { Store } from '../store/db.ts';
import { redisAcceptedLog } from './accepted.ts';
import { sendDeliveries } from './batch.ts';
import { classifySmtpError } from './classify.ts';
import { sendConfirmation } from './confirmation.ts';
import type { SendDeps } from './deps.ts';
import { mailDomainOf } from './message.ts';
import { reconcile, reconcileConfirmations, reconcileWelcomes } from './reconcile.ts';
import { Slots } from './slots.ts';
import { smtpThread } from './smtp-thread.ts';
import { verifyRelay } from './transport.ts';
import { sendWelcome } from './welcome.ts';

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
  // First, so the SMTP thread loads while the connections below are made.
  const transport = smtpThread({
    url: o.smtpUrl,
    poolSize: s.poolSize,
    messagesPerConnection: s.messagesPerConnection,
    dkim: s.dkim,
  });
  const onRedisError = (e: Error) => o.log.warn({ err: e.message }, 'redis.error');
  const connection = redisConnection(o.redisUrl, onRedisError);
  const queueConnection = redisConnection(o.redisUrl, onRedisError);
  const limiterConnection = redisConnection(o.redisUrl, onRedisError);
  const accepted = await redisAcceptedLog(o.redisUrl, onRedisError);
  const queue = new Queue<SendJobData>(queueName(s.provider), { connection: queueConnection });
  queue.on('error', onRedisError);
  const breaker = relayBreaker(limiterConnection, s.provider);
  /** Says the relay is down on the provider's campaigns; on bad credentials, pauses them. */
  const relayDown = async (kind: 'transport' | 'auth', reason: string) => {
    const opened = await breaker.trip(kind, reason);
    const outage = await breaker.current();
    if (opened) {
      o.log.warn({ provider: s.provider, kind, reason }, 'relay.down: waiting for the SMTP relay');
      metrics.relayOutages.inc({ provider: s.provider, kind });
      if (outage) await noteRelayOutage(o.store.db, s.provider, outage).catch(() => {});
    }
    if (kind === 'auth') {
      const paused = await pauseForRelayAuth(o.store.db, s.provider, reason);
      if (paused.length)
        o.log.error(
          { provider: s.provider, campaigns: paused, reason },
          'relay.auth_failed: campaigns paused',
        );
    }
  };
  const fromDomain = mailDomainOf(o.newsletter.from) ?? new URL(o.config.publicUrl).hostname;

  const deps: SendDeps = {
    store: o.store,
    transport,
    accepted,
    slots: new Slots(s.inFlight),
    limiter: sharedRateLimiter(limiterConnection, s.provider, s.ratePerSecond),
    breaker,
    relayDown: (v) => relayDown(v.auth ? 'auth' : 'transport', v.text),
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
      flushEvery: s.ledgerFlushEvery,
      flushMs: s.ledgerFlushMs,
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

  /** Jobs in a row that met an outage: their wait grows, 1 s … 15 s. */
  let outages = 0;
  const worker: Worker<SendJobData> = new Worker<SendJobData>(
    queueName(s.provider),
    async (job, token) => {
      const data = job.data;
      if ('signupId' in data) return confirmationJob(job, token, data.signupId);
      if ('subscriberId' in data) return welcomeJob(job, token, data.listId, data.subscriberId);
      let result: Awaited<ReturnType<typeof sendDeliveries>>;
      try {
        result = await sendDeliveries(
          deps,
          job.name === BATCH_JOB && 'batch' in data
            ? data
            : { campaignId: data.campaignId, deliveryId: (data as { deliveryId: number }).deliveryId },
        );
      } catch (e) {
        if (!isOutage(e)) throw e;
        // The database (or Redis) is away: not the job's fault and not the reader's. Come back later.
        return waitFor(job, token, outageDelayMs(outages++, 15_000), e as Error);
      }
      outages = 0;
      if (result.kind === 'paused') {
        // Paused campaigns wait without spending attempts; resume puts them back in line.
        await job.moveToDelayed(Date.now() + 5_000, token);
        throw new DelayedError();
      }
      if (result.kind === 'throttled' || result.kind === 'relay') {
        // The provider said "slow down", or its relay is down: the whole queue waits, the job comes
        // back, nothing is dropped and no attempt is used.
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
  /**
   * A transactional message (a signup's confirmation, a welcome numéro): sent once, its row claimed
   * before SMTP; a relay or throttling problem retries the job with backoff, an outage waits.
   */
  async function transactional<R>(
    job: Job<SendJobData>,
    token: string | undefined,
    kind: 'confirmation' | 'welcome',
    send: () => Promise<R | 'retry'>,
    notYet: string,
  ) {
    let r: R | 'retry';
    try {
      r = await send();
    } catch (e) {
      if (!isOutage(e)) throw e;
      return waitFor(job, token, outageDelayMs(outages++, 15_000), e as Error);
    }
    if (r === 'retry') throw new Error(`${notYet}: the relay did not take it yet`);
    return { kind, result: r };
  }
  function confirmationJob(job: Job<SendJobData>, token: string | undefined, signupId: number) {
    return transactional(
      job,
      token,
      'confirmation',
      () => sendConfirmation(deps, signupId, o.config.signup.confirmHours),
      `the confirmation of signup ${signupId}`,
    );
  }
  function welcomeJob(
    job: Job<SendJobData>,
    token: string | undefined,
    listId: number,
    subscriberId: number,
  ) {
    return transactional(
      job,
      token,
      'welcome',
      () => sendWelcome(deps, listId, subscriberId),
      `the welcome of list ${listId} for reader ${subscriberId}`,
    );
  }
  async function waitFor(
    job: Job<SendJobData>,
    token: string | undefined,
    delayMs: number,
    e: Error,
  ): Promise<never> {
    o.log.warn({ jobId: job.id, err: e.message, delayMs }, 'job.waiting: a service is unavailable');
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }
  worker.on('failed', (job, err) => o.log.warn({ jobId: job?.id, err: err.message }, 'job.failed'));
  worker.on('error', (err) => o.log.warn({ err: err.message }, 'worker.error'));

  let reconciling = false;
  const runReconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      await reconcile(o.store.db, queue, { lockMs: s.lockMs, provider: s.provider });
      if (s.provider === o.config.send.provider) {
        await reconcileConfirmations(o.store.db, queue, s.lockMs);
        await reconcileWelcomes(o.store.db, queue, s.lockMs);
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'reconcile.failed');
    } finally {
      reconciling = false;
    }
  };
  const timer = setInterval(() => void runReconcile(), s.reconcileIntervalMs);

  // One probe at a time across workers (a lock in Redis), when the breaker says one is due.
  let probing = false;
  const probeRelay = async (force = false) => {
    if (probing) return;
    probing = true;
    try {
      const r = await breaker.probe(() => verifyRelay(o.smtpUrl), { force });
      if (r.outcome === 'closed') {
        o.log.info({ provider: s.provider, since: r.outage?.since }, 'relay.back: sending resumes');
        await noteRelayOutage(o.store.db, s.provider, null);
      } else if (r.outcome === 'failed' && r.error) {
        const v = classifySmtpError(r.error as Error & { responseCode?: number });
        o.log.warn(
          { provider: s.provider, err: r.error.message, nextProbeInMs: r.outage?.backoffMs },
          'relay.probe_failed',
        );
        if (v.kind === 'relay' && v.auth) await relayDown('auth', v.text);
        else if (r.outage) await noteRelayOutage(o.store.db, s.provider, r.outage);
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'relay.probe_error');
    } finally {
      probing = false;
    }
  };
  const probeTimer = setInterval(() => void probeRelay(), 500);
  void probeRelay(true); // a restarted worker (new SMTP_URL?) tries the relay at once
  await worker.waitUntilReady();

  return {
    worker,
    queue,
    reconcile: runReconcile,
    async close() {
      clearInterval(timer);
      clearInterval(probeTimer);
      while (reconciling || probing) await new Promise((r) => setTimeout(r, 20));
      await worker.close();
      await queue.close();
      await transport.close();
      connection.disconnect();
      queueConnection.disconnect();
      limiterConnection.disconnect();
      accepted.close();
    },
  };
}
