import { metrics } from '../_shared/metrics.ts';
import { NumeroError } from '../errors.ts';
import type { Db } from '../store/audience.ts';
import { type CampaignRow, campaignById } from '../store/campaigns.ts';
import { markSkippedPending, requeueDeliveries } from '../store/deliveries.ts';
import {
  describeFilter,
  type FailureFilter,
  isTransportBounce,
  matchesFilter,
  scanDeliveries,
} from './failures.ts';
import type { CampaignQueue } from './queue-port.ts';
import { transition } from './state.ts';

/**
 * Operator controls, for the CLI and the dashboard alike. State changes only: running batches
 * notice a pause or a cancel within a fraction of a second, and the workers' reconciler (or the
 * queue given here) picks up what a resume or a retry put back in line.
 */

async function requireCampaign(db: Db, id: number): Promise<CampaignRow> {
  const c = await campaignById(db, id);
  if (!c) throw new NumeroError('USAGE', `no campaign ${id}`);
  return c;
}

function refuse(c: CampaignRow, action: string): never {
  throw new NumeroError('USAGE', `campaign ${c.id} is ${c.state}: cannot ${action} it`);
}

export async function pauseCampaign(db: Db, id: number, by = 'the operator'): Promise<string> {
  const c = await requireCampaign(db, id);
  if (!(await transition(db, id, 'paused', `paused by ${by}`))) refuse(c, 'pause');
  return `campaign ${id}: pause done`;
}

export async function resumeCampaign(db: Db, id: number): Promise<string> {
  const c = await requireCampaign(db, id);
  if (!(await transition(db, id, 'queued'))) refuse(c, 'resume');
  return `campaign ${id}: resume done`;
}

/** Cancelled is final: every delivery not yet sent is skipped, in the same transaction. */
export async function cancelCampaign(db: Db, id: number, by = 'the operator'): Promise<string> {
  const c = await requireCampaign(db, id);
  const skipped = await db.transaction().execute(async (trx) => {
    if (!(await transition(trx, id, 'cancelled', `cancelled by ${by}`))) return null;
    return markSkippedPending(trx, id, 'campaign cancelled');
  });
  if (skipped === null) refuse(c, 'cancel');
  return `campaign ${id}: cancel done, ${skipped} unsent deliveries skipped`;
}

export interface RetryResult {
  /** Failed deliveries that match the filter. */
  matched: number;
  /** Of which put back in line (0 on a dry run). */
  requeued: number;
  examples: string[];
  message: string;
}

/**
 * Puts the campaign's failed deliveries that match `filter` back in line with fresh attempts (with
 * `transportFailures`, the rows an older version recorded `bounced` when the relay refused us). Only
 * rows still in that status change (never one that was sent, bounced, suppressed or skipped), so running
 * it twice is safe: the second run finds nothing and says so. A sent campaign goes back to queued.
 */
export async function retryFailed(
  deps: { db: Db; queue?: CampaignQueue | undefined },
  id: number,
  filter: FailureFilter = {},
  o: { dryRun?: boolean } = {},
): Promise<RetryResult> {
  const { db } = deps;
  const c = await requireCampaign(db, id);
  if (c.state === 'cancelled' || c.state === 'draft') refuse(c, 'retry');
  const ids: number[] = [];
  const batches = new Set<number>();
  const examples: string[] = [];
  const from = filter.transportFailures ? 'bounced' : 'failed';
  await scanDeliveries(db, id, [from], (r) => {
    if (!matchesFilter(r, filter) || (filter.transportFailures && !isTransportBounce(r))) return;
    ids.push(r.id);
    batches.add(r.batch_no);
    if (examples.length < 3) examples.push(r.email);
  });
  const what = `${from} deliveries (${describeFilter(filter)})`;
  if (!ids.length) {
    return {
      matched: 0,
      requeued: 0,
      examples,
      message: `campaign ${id}: no ${what} to retry; nothing done`,
    };
  }
  if (o.dryRun) {
    return {
      matched: ids.length,
      requeued: 0,
      examples,
      message: `campaign ${id}: would retry ${ids.length} ${what}, e.g. ${examples.join(', ')} (dry run: nothing changed)`,
    };
  }
  const requeued = await db.transaction().execute(async (trx) => {
    const n = await requeueDeliveries(trx, ids, from);
    if (n > 0 && c.state === 'sent') await transition(trx, id, 'queued');
    return n;
  });
  metrics.opsRetries.inc(requeued);
  let queueNote = '';
  if (requeued > 0 && deps.queue && c.state !== 'paused') {
    try {
      await deps.queue.enqueueBatches(
        id,
        c.provider,
        [...batches].sort((a, b) => a - b),
        0,
      );
    } catch (e) {
      // The ledger has them: the workers' reconciler queues them once Redis answers again.
      queueNote = ` (Redis did not answer: ${(e as Error).message.slice(0, 80)}; the workers will queue them when it is back)`;
    }
  }
  const paused = c.state === 'paused' ? ' (the campaign is paused: resume it to send them)' : queueNote;
  return {
    matched: ids.length,
    requeued,
    examples,
    message: `campaign ${id}: retry done, ${requeued} ${what} back in line${paused}`,
  };
}
