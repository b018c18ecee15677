import type { Db } from '../store/audience.ts';
import { campaignsInState, setStateReason } from '../store/campaigns.ts';
import { hasWorkLeft, policyRejections } from '../store/deliveries.ts';
import { readerSignals } from '../store/inbound.ts';
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
  if (await hasWorkLeft(db, campaignId)) return false;
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

/** Pauses a queued or sending campaign, saying why (the sender was refused). True when it paused. */
export async function pauseCampaign(db: Db, campaignId: number, reason: string): Promise<boolean> {
  return transition(db, campaignId, 'paused', reason);
}

/**
 * Mailbox providers throttle, then block, a sender whose readers complain (Gmail and Yahoo ask for
 * under 0.3 %) or whose list is full of dead addresses. Past either line, over at least
 * `minSubmitted` messages, the campaign pauses itself and says why; an operator resumes it.
 */
export const READER_SIGNAL_LIMITS = { complaints: 0.003, hardBounces: 0.05, minSubmitted: 500 } as const;

export async function pauseOnReaderSignals(db: Db, campaignId: number): Promise<string | null> {
  const { submitted, hard, complaint } = await readerSignals(db, campaignId);
  if (submitted < READER_SIGNAL_LIMITS.minSubmitted) return null;
  const pct = (x: number) => `${((x / submitted) * 100).toFixed(2)} %`;
  let reason: string | null = null;
  if (complaint / submitted > READER_SIGNAL_LIMITS.complaints)
    reason = `paused by numero: ${complaint} complaints for ${submitted} messages submitted (${pct(complaint)}, above 0.3 %); look at what readers are marking as spam, then resume`;
  else if (hard / submitted > READER_SIGNAL_LIMITS.hardBounces)
    reason = `paused by numero: ${hard} hard bounces for ${submitted} messages submitted (${pct(hard)}, above 5 %); the list needs cleaning, then resume`;
  if (!reason) return null;
  return (await transition(db, campaignId, 'paused', reason)) ? reason : null;
}

export const RELAY_WAIT_PREFIX = 'waiting for the SMTP relay since';

/**
 * The provider's relay is down (or back, `outage` null): the note beside each of its running
 * campaigns says so (`numero campaigns`, `campaign show`, the dashboard). The state does not change:
 * the campaign is still sending, it waits.
 */
export async function noteRelayOutage(
  db: Db,
  provider: string,
  outage: { since: string; reason: string } | null,
): Promise<void> {
  for (const c of await campaignsInState(db, ['queued', 'sending'])) {
    if (c.provider !== provider) continue;
    if (outage)
      await setStateReason(
        db,
        c.id,
        ['queued', 'sending'],
        `${RELAY_WAIT_PREFIX} ${outage.since}: ${outage.reason}`,
      );
    else if (c.state_reason?.startsWith(RELAY_WAIT_PREFIX))
      await setStateReason(db, c.id, ['queued', 'sending'], null);
  }
}

/**
 * The relay refused our credentials: waiting cannot fix a password, so every running campaign of
 * the provider pauses at once, saying what to do. Returns the campaigns it paused.
 */
export async function pauseForRelayAuth(db: Db, provider: string, reply: string): Promise<number[]> {
  const paused: number[] = [];
  for (const c of await campaignsInState(db, ['queued', 'sending'])) {
    if (c.provider !== provider) continue;
    const reason = `paused by numero: SMTP authentication failed (${reply.slice(0, 200)}): fix SMTP_URL, then numero campaign resume ${c.id}`;
    if (await transition(db, c.id, 'paused', reason)) paused.push(c.id);
  }
  return paused;
}
