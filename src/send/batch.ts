import { completeIfDone, markSending, pauseOnPolicyRejections } from '../campaign/lifecycle.ts';
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
 * created are skipped. A pause or a cancel stops the run within `stateCheckMs`: the rows it has
 * not tried go back to pending (or are skipped when cancelled).
 */
export async function sendDeliveries(deps: SendDeps, job: SendJob): Promise<JobResult> {
  const { store, settings } = deps;
  const db = store.db;
  const ctx = await campaignContext(db, job.campaignId);
  if (!ctx || ctx.row.state === 'cancelled' || ctx.row.state === 'sent') return NOTHING;
  if (ctx.row.state === 'paused') return { kind: 'paused' };
  await markSending(db, ctx.row.id);

  const loaded = await loadAndFilter(db, ctx.row, job, settings.staleClaimMs);
  const mine = await claim(db, loaded);
  const recorder = new Recorder(deps, ctx, loaded.skipped);
  const state = stateWatch(db, ctx.row.id, settings.stateCheckMs);
  let stop: 'throttled' | 'paused' | 'cancelled' | null = null;

  const sendOne = async (d: DeliveryToSend) => {
    if (!stop) {
      const now = await state();
      if (now === 'paused' || now === 'cancelled') stop = now;
    }
    if (stop) {
      recorder.release(d, stop === 'cancelled' ? 'skipped' : 'pending');
    } else {
      const message = personaliseAndBuild(deps, ctx, d);
      const answer = await submit(deps, message);
      if (answer.ok) recorder.sent(d, message, answer.response);
      else if (recorder.refused(d, message, answer.verdict) === 'throttled' && !stop) {
        stop = 'throttled';
        await deps.limiter.penalize(settings.throttleWaitMs);
      }
    }
    if (recorder.size >= settings.flushEvery) await recorder.flush();
  };
  await inParallel(mine, settings.concurrency, sendOne);
  await recorder.flush();

  if (recorder.policyBounces) {
    const reason = await pauseOnPolicyRejections(db, ctx.row.id, {
      share: settings.policyPauseShare,
      minAttempts: settings.policyMinAttempts,
    });
    if (reason) deps.log('campaign.paused', { campaignId: ctx.row.id, reason });
  }
  if (stop === 'throttled') return { kind: 'throttled', waitMs: settings.throttleWaitMs };
  if (stop === 'paused') return { kind: 'paused' };
  await completeIfDone(db, ctx.row.id);
  return { kind: 'done', ...recorder.tally };
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
  let at = Date.now();
  let current: Promise<CampaignState | undefined> = Promise.resolve('sending');
  return () => {
    if (Date.now() - at >= everyMs) {
      at = Date.now();
      current = campaignState(db, id);
    }
    return current;
  };
}
