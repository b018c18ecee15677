import type { Db } from '../store/audience.ts';
import { deliveryCounts, policyRejections } from '../store/deliveries.ts';
import { transition } from './state.ts';

/**
 * The state changes that sending itself causes, as the send steps report progress: a worker takes a
 * batch (→ sending), nothing is left (→ sent), too many policy rejections (→ paused, with the reason).
 */

export async function markSending(db: Db, campaignId: number): Promise<boolean> {
  return transition(db, campaignId, 'sending');
}

/** sending → sent once no delivery is left to try. */
export async function completeIfDone(db: Db, campaignId: number): Promise<boolean> {
  const c = await deliveryCounts(db, campaignId);
  if (c.pending + c.sending + c.retrying > 0) return false;
  return transition(db, campaignId, 'sent');
}

/**
 * 5.7.x rejections are the sender's problem (authentication, reputation): past `share` of at least
 * `minAttempts` attempts, the campaign pauses and says why. Returns the reason when it paused.
 */
export async function pauseOnPolicyRejections(
  db: Db,
  campaignId: number,
  o: { share: number; minAttempts: number },
): Promise<string | null> {
  const { attempted, policy } = await policyRejections(db, campaignId);
  if (attempted < o.minAttempts || policy / attempted <= o.share) return null;
  const reason = `paused by numero: ${policy} of ${attempted} attempts (${Math.round((policy / attempted) * 100)} %) were refused for policy or authentication (SMTP 5.7.x); check SPF, DKIM and DMARC, then resume`;
  return (await transition(db, campaignId, 'paused', reason)) ? reason : null;
}
