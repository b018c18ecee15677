import type { Db } from '../store/audience.ts';
import {
  type Claimable,
  claimDeliveries,
  type DeliveryToSend,
  deliveriesToSend,
  markSkipped,
} from '../store/deliveries.ts';
import type { SendJob } from './deps.ts';

/**
 * Steps 1 and 2 of a batch: load the rows the ledger says still need a send, skip the readers who
 * left or were suppressed since the campaign was created, and claim the rest (pending → sending,
 * attempt + 1) in one conditional update before any SMTP traffic.
 */

export interface Loaded {
  claimable: Claimable;
  toSend: DeliveryToSend[];
  /** Rows just marked skipped: the reader is no longer active, or is suppressed. */
  skipped: DeliveryToSend[];
}

export async function loadAndFilter(
  db: Db,
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
  const rows = await deliveriesToSend(db, campaign.id, campaign.list_id, where, claimable);
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
  };
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
