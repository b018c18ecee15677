import type { Db } from '../store/audience.ts';
import { updateCampaignState } from '../store/campaigns.ts';
import type { CampaignState } from '../store/schema.ts';

/**
 * The one campaign state machine. draft → queued (batches enqueued, maybe for later) → sending
 * (a worker took the first batch) → sent; paused and cancelled by the operator, paused by numero
 * itself when policy rejections pass their threshold. cancelled is final; sent goes back to queued
 * only when ops retry failed deliveries.
 */
const MOVES: Record<CampaignState, readonly CampaignState[]> = {
  draft: ['queued', 'cancelled'],
  queued: ['sending', 'paused', 'cancelled', 'sent'],
  sending: ['sent', 'paused', 'cancelled'],
  paused: ['queued', 'sending', 'cancelled'],
  sent: ['queued'], // only for ops retrying failed deliveries
  cancelled: [],
};

export function canMove(from: CampaignState, to: CampaignState): boolean {
  return MOVES[from].includes(to);
}

/** States from which `to` is reachable: the WHERE of the conditional update. */
function sourcesOf(to: CampaignState): CampaignState[] {
  return (Object.keys(MOVES) as CampaignState[]).filter((from) => MOVES[from].includes(to));
}

/**
 * Every campaign state change goes through here: moves campaign `id` to `to` if the table allows it
 * from the state it is in at that instant (one conditional update, so two processes racing cannot
 * both move it). Returns whether it moved; `reason` is kept with the state (why it paused).
 */
export async function transition(
  db: Db,
  id: number,
  to: CampaignState,
  reason: string | null = null,
): Promise<boolean> {
  return updateCampaignState(db, id, sourcesOf(to), to, reason);
}
