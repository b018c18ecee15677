import {
  completeIfDone,
  markSending,
  pauseCampaign,
  pauseOnPolicyRejections,
} from '../campaign/lifecycle.ts';
import type { Db } from '../store/audience.ts';
import { campaignState } from '../store/campaigns.ts';
import type { DeliveryToSend } from '../store/deliveries.ts';
import type { CampaignState } from '../store/schema.ts';
import { personaliseAndBuild } from './build.ts';
import { campaignContext } from './context.ts';
import type { JobResult, SendDeps, SendJob } from './deps.ts';
import { claim, loadAndFilter } from './load.ts';
import { Recorder } from './record.ts';
import { submit } from './submit.ts';

const NOTHING: JobResult = { kind: 'done', sent: 0, skipped: 0, retrying: 0, bounced: 0, failed: 0 };

/**
 * Sends what is missing of one batch (or one retried delivery), in named steps: load and filter,
 * claim, personalise and build, submit, record. The ledger decides: rows already sent are never
 * touched; rows are claimed before any SMTP traffic; readers who left since the campaign was
 * created are skipped. While the provider's relay breaker is open nothing is claimed; a transport
 * failure opens it and gives the unsent rows back untouched. A pause or a cancel stops the run within `stateCheckMs`: the rows it has
 * not tried go back to pending (or are skipped when cancelled).
 */
export async function sendDeliveries(deps: SendDeps, job: SendJob): Promise<JobResult> {
  const { store, settings } = deps;
  const db = store.db;
  const ctx = await campaignContext(db, job.campaignId, settings.publicUrl);
  if (!ctx || ctx.row.state === 'cancelled' || ctx.row.state === 'sent') return NOTHING;
  if (ctx.row.state === 'paused') return { kind: 'paused' };
  const down = await deps.breaker.current();
  if (down) return { kind: 'relay', waitMs: relayWait(down.nextProbeAt) };
  if (ctx.row.state !== 'sending') await markSending(db, ctx.row.id);

  const loaded = await loadAndFilter(db, deps.accepted, ctx.row, job, settings.staleClaimMs);
  if (loaded.recovered)
    deps.log('delivery.recovered', {
      campaignId: ctx.row.id,
      deliveries: loaded.recovered,
      why: 'accepted by the relay before a crash: written as sent, not sent again',
    });
  const mine = await claim(db, loaded);
  const recorder = new Recorder(deps, ctx, loaded.skipped);
  const state = stateWatch(db, ctx.row.id, settings.stateCheckMs);
  const relay = every(settings.stateCheckMs, () => deps.breaker.current(), null);
  let stop: 'throttled' | 'paused' | 'cancelled' | 'relay' | 'sender' | null = null;

  /** Builds, submits and records one message, within a slot of the process's in-flight messages. */
  const sendNow = async (d: DeliveryToSend) => {
    const message = personaliseAndBuild(deps, ctx, d);
    const answer = await submit(deps, message);
    if (answer.ok) await recorder.sent(d, message, answer.response);
    else {
      const verdict = answer.verdict;
      recorder.refused(d, message, verdict);
      if (verdict.kind === 'relay') {
        stop = 'relay';
        await deps.relayDown(verdict);
      } else if (recorder.senderRefused && !stop) {
        stop = 'sender';
      } else if (verdict.kind === 'throttled' && !stop) {
        stop = 'throttled';
        await deps.limiter.penalize(settings.throttleWaitMs);
      }
    }
  };
  const sendOne = async (d: DeliveryToSend) => {
    await deps.slots.acquire();
    try {
      if (!stop) {
        const now = await state();
        if (now === 'paused' || now === 'cancelled') stop = now;
        else if (await relay()) stop = 'relay';
      }
      if (stop) recorder.release(d, stop === 'cancelled' ? 'skipped' : 'pending');
      else await sendNow(d);
    } finally {
      deps.slots.release();
    }
    if (recorder.due()) await recorder.flush();
  };
  await inParallel(mine, settings.concurrency, sendOne);
  await recorder.flush(true);

  if (recorder.senderRefused) {
    // The sender's fault, not the readers': the campaign waits for a person, nobody is marked.
    if (await pauseCampaign(db, ctx.row.id, recorder.senderRefused))
      deps.log('campaign.paused', { campaignId: ctx.row.id, reason: recorder.senderRefused });
    return { kind: 'paused' };
  }
  if (recorder.policyBounces) {
    const reason = await pauseOnPolicyRejections(db, ctx.row.id, {
      share: settings.policyPauseShare,
      minAttempts: settings.policyMinAttempts,
    });
    if (reason) deps.log('campaign.paused', { campaignId: ctx.row.id, reason });
  }
  if (stop === 'throttled') return { kind: 'throttled', waitMs: settings.throttleWaitMs };
  if (stop === 'relay')
    return { kind: 'relay', waitMs: relayWait((await deps.breaker.current())?.nextProbeAt) };
  if (stop === 'paused') return { kind: 'paused' };
  await completeIfDone(db, ctx.row.id);
  return { kind: 'done', ...recorder.tally };
}

/** How long a job waits for the relay: until the next probe, between 0.5 and 5 s (it checks again). */
function relayWait(nextProbeAt: number | undefined): number {
  return Math.min(5_000, Math.max(500, (nextProbeAt ?? 0) - Date.now()));
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await fn(item);
      }
    }),
  );
}

/** The campaign's state, re-read at most every `everyMs` however many messages ask. */
function stateWatch(db: Db, id: number, everyMs: number): () => Promise<CampaignState | undefined> {
  return every<CampaignState | undefined>(everyMs, () => campaignState(db, id), 'sending');
}

/**
 * `read()`'s answer, asked again at most every `everyMs` however many messages ask (a pause, a
 * cancel or a relay outage is noticed within that). While the source is away (the database or
 * Redis, for a moment) the last answer known stands; the flush will wait for it.
 */
function every<T>(everyMs: number, read: () => Promise<T>, initial: T): () => Promise<T> {
  let at = Date.now();
  let last = initial;
  let current: Promise<T> = Promise.resolve(last);
  return () => {
    if (Date.now() - at >= everyMs) {
      at = Date.now();
      current = read().then(
        (v) => {
          last = v;
          return v;
        },
        () => last,
      );
    }
    return current;
  };
}
