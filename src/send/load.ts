import type { Db } from '../store/audience.ts';
import {
  type Claimable,
  claimDeliveries,
  type DeliveryToSend,
  deliveriesToSend,
  markSkipped,
  recordOutcomes,
} from '../store/deliveries.ts';
import type { AcceptedLog } from './accepted.ts';
import type { SendJob } from './deps.ts';

/**
 * Steps 1 and 2 of a batch: load the rows the ledger says still need a send, settle those a dead run
 * left `sending` whose acceptance Redis recorded (sent: never again), skip the readers who left or
 * were suppressed since the campaign was created, and claim the rest (pending → sending,
 * attempt + 1) in one conditional update before any SMTP traffic.
 */

export interface Loaded {
  claimable: Claimable;
  toSend: DeliveryToSend[];
  /** Rows just marked skipped: the reader is no longer active, or is suppressed. */
  skipped: DeliveryToSend[];
  /** Rows a dead run had sent (the relay accepted them) but not yet written as sent: now written. */
  recovered: number;
}

export async function loadAndFilter(
  db: Db,
  accepted: AcceptedLog,
  campaign: { id: number; list_id: number },
  job: SendJob,
  staleClaimMs: number,
): Promise<Loaded> {
  const isRetry = 'deliveryId' in job;
  // A re-run (worker died, Redis lost the job) also takes the rows an earlier, dead run had claimed.
  const claimable: Claimable = {
    status: isRetry ? 'retrying' : 'pending',
    staleBefore: new Date(Date.now() - staleClaimMs).toISOString(),
  };
  const where = isRetry ? { deliveryId: job.deliveryId } : { batchNo: job.batch };
  const loaded = await deliveriesToSend(db, campaign.id, campaign.list_id, where, claimable);
  const rows = await settleAccepted(db, accepted, campaign.id, loaded);
  const gone = rows.filter((r) => r.membership !== 'active' || r.suppressed !== null);
  await markSkipped(
    db,
    gone.map((r) => r.id),
    'reader no longer active or suppressed',
  );
  return {
    claimable,
    toSend: rows.filter((r) => r.membership === 'active' && r.suppressed === null),
    skipped: gone,
    recovered: loaded.length - rows.length,
  };
}

/**
 * Rows left `sending` by a dead run: those Redis says the relay accepted are written as sent (with
 * the Message-ID and answer of that send) and dropped from this run. While Redis is away this
 * throws an outage, and the job waits: sending them blind could send them twice.
 */
async function settleAccepted(
  db: Db,
  accepted: AcceptedLog,
  campaignId: number,
  rows: DeliveryToSend[],
): Promise<DeliveryToSend[]> {
  const stale = rows.filter((r) => r.status === 'sending').map((r) => r.id);
  if (!stale.length) return rows;
  const found = await accepted.find(campaignId, stale);
  if (!found.size) return rows;
  await recordOutcomes(
    db,
    [...found].map(([id, a]) => ({
      id,
      status: 'sent' as const,
      messageId: a.messageId,
      response: a.response,
      sentAt: a.at,
    })),
  );
  await accepted.forget(campaignId, [...found.keys()]).catch(() => {}); // they expire anyway
  return rows.filter((r) => !found.has(r.id));
}

/** The rows this run now owns; a row another live run claimed first is left to it. */
export async function claim(db: Db, loaded: Loaded): Promise<DeliveryToSend[]> {
  const claimed = new Set(
    await claimDeliveries(
      db,
      loaded.toSend.map((r) => r.id),
      loaded.claimable,
    ),
  );
  return loaded.toSend.filter((r) => claimed.has(r.id));
}
