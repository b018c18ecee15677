import { createHash } from 'node:crypto';
import { metrics } from '../_shared/metrics.ts';
import { closeEverywhere, inTransaction } from '../audience/membership.ts';
import { pauseOnReaderSignals } from '../campaign/lifecycle.ts';
import type { Db } from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import { clearOldRaw, insertBounceReport, insertInbound, softBounceHistory } from '../store/inbound.ts';
import { attribute } from './attribution.ts';
import { type BounceReport, classifyMessage } from './classify.ts';
import { EFFECT_OF } from './policy.ts';
import { handleUnsubscribeMail } from './unsubscribe.ts';

/**
 * The one way in for everything that comes back, whichever door it came through (the inbound SMTP
 * listener, the IMAP poller, a provider's webhook, `numero bounces process`): record the message
 * once, classify it, act through the membership module, and pause a campaign that readers complain
 * about or that bounces too much. One transaction: a message is either fully handled or not at all,
 * and a second copy (same bytes) changes nothing.
 */

export interface InboundSettings {
  /** Verifies `unsubscribe+TOKEN@` recipients; without it, mailto unsubscribes are ignored. */
  unsubscribeSecret?: string | undefined;
  /** Soft bounces in a row (across campaigns) that suppress an address. */
  softBounceLimit: number;
  /** Raw messages older than this are cleared. */
  keepDays: number;
  /** Unsigned names (from before signed ids) are accepted this many days after their campaign began. */
  legacyDays?: number;
}

export interface InboundInput {
  raw: Buffer;
  /** smtp, imap, ses, postmark, file… */
  source: string;
  /** Envelope recipients, when the door knows them (SMTP RCPT TO). */
  recipients?: readonly string[];
  /** A provider's own event id: the same event delivered twice is recognised by it. */
  eventId?: string;
  /** A provider's verdict, when it already classified the event (webhooks). */
  reports?: BounceReport[];
  /** The door authenticated the sender (a provider's signed webhook): its recipient is trusted. */
  trusted?: boolean;
}

export type Handled = BounceReport & { action: string; subscriberId: number | null };

export interface InboundOutcome {
  duplicate: boolean;
  reports: Handled[];
  unsubscribed: number;
  /** Campaigns paused because of what this message reported, with the reason. */
  paused: string[];
}

export async function processInbound(
  store: Store,
  input: InboundInput,
  settings: InboundSettings,
): Promise<InboundOutcome> {
  const digest = createHash('sha256')
    .update(input.eventId ? `${input.source}:${input.eventId}` : input.raw)
    .digest('hex');
  const reports = input.reports ?? classifyMessage(input.raw, { recipients: input.recipients ?? [] });
  const outcome = await inTransaction(store.db, async (trx) => {
    const inboundId = await insertInbound(trx, {
      digest,
      source: input.source,
      headers: headerBlock(input.raw),
      summary: JSON.stringify(
        reports.map(({ kind, recipient, status, reason, campaign, subscriber }) => ({
          kind,
          recipient,
          status,
          reason,
          campaign,
          subscriber,
        })),
      ),
      raw: input.raw.toString('base64'),
    });
    if (inboundId === null)
      return { duplicate: true, reports: [], unsubscribed: 0, paused: [] } as InboundOutcome;

    // An auto-reply or a bounce that reached the unsubscribe address is not the reader's request.
    const isRequest = reports.every((r) => r.kind === 'unknown');
    const unsubscribed =
      isRequest && settings.unsubscribeSecret && input.recipients?.length
        ? await handleUnsubscribeMail(trx, settings.unsubscribeSecret, input.recipients)
        : 0;
    const handled: Handled[] = [];
    for (const r of reports) handled.push(await act(trx, inboundId, r, input, settings));
    return { duplicate: false, reports: handled, unsubscribed, paused: [] } as InboundOutcome;
  });
  if (outcome.duplicate) return outcome;
  const campaigns = new Set(
    outcome.reports
      .filter((r) => r.subscriberId !== null && (r.kind === 'hard' || r.kind === 'complaint'))
      .map((r) => Number(r.campaign)),
  );
  for (const id of campaigns) {
    if (!Number.isInteger(id)) continue;
    const reason = await pauseOnReaderSignals(store.db, id);
    if (reason) outcome.paused.push(reason);
  }
  await clearOldRaw(store.db, settings.keepDays);
  return outcome;
}

async function act(
  trx: Db,
  inboundId: number,
  r: BounceReport,
  input: InboundInput,
  settings: InboundSettings,
): Promise<Handled> {
  const source = input.source;
  let action = 'logged';
  let subscriberId: number | null = null;
  // Only a verified delivery names the campaign in the store: a claim alone never counts against one.
  let campaignId: number | null = null;
  const effect = EFFECT_OF[r.kind];
  if (effect !== 'none') {
    const who = await attribute(trx, r, {
      secret: settings.unsubscribeSecret,
      trustedProvider: input.trusted === true,
      legacyDays: settings.legacyDays ?? 30,
      now: Date.now(),
    });
    if (!who.ok) {
      action = who.why;
      metrics.inboundRejected.inc({ reason: who.reason });
    } else {
      subscriberId = who.subscriberId;
      campaignId = who.campaignId;
      const detail = [r.status, r.diagnostic].filter(Boolean).join(' ').slice(0, 300) || r.kind;
      const base = {
        subscriberId: who.subscriberId,
        emailNormalized: who.email,
        campaignId: campaignId === null ? null : String(campaignId),
        source: `${source} ${r.kind === 'complaint' ? 'complaint' : 'bounce'}`,
      };
      if (effect === 'suppress') {
        const n = await closeEverywhere(trx, { ...base, kind: 'bounced', reason: 'bounced', detail });
        action = `suppressed; bounced on ${n} list(s)`;
      } else if (effect === 'complaint') {
        const n = await closeEverywhere(trx, { ...base, kind: 'complained', reason: 'complained', detail });
        action = `suppressed; complained on ${n} list(s)`;
      } else if (effect === 'against-campaign') {
        action = `counted against the campaign (${r.reason ?? 'policy'}: the sender’s or the message’s problem, not the reader’s)`;
      } else {
        const inARow = await softInARow(trx, who.subscriberId, who.campaignId);
        if (inARow >= settings.softBounceLimit) {
          const n = await closeEverywhere(trx, {
            ...base,
            kind: 'bounced',
            reason: 'bounced',
            detail: `${inARow} soft bounces in a row, the last: ${detail}`,
          });
          action = `suppressed after ${inARow} soft bounces in a row; bounced on ${n} list(s)`;
        } else action = `counted (${inARow} soft bounce(s) in a row of ${settings.softBounceLimit})`;
      }
    }
  }
  await insertBounceReport(trx, {
    inboundId,
    kind: r.kind,
    recipient: r.recipient,
    status: r.status,
    diagnostic: r.diagnostic,
    campaignId,
    subscriberId,
    action,
  });
  return { ...r, campaign: campaignId === null ? r.campaign : String(campaignId), action, subscriberId };
}

/**
 * Soft bounces in a row: walking back from the newest campaign this reader was sent, each one that
 * soft-bounced (this one included) counts, and the first that did not ends the run: a later
 * delivery that came back clean resets the count.
 */
async function softInARow(db: Db, subscriberId: number, campaignId: number): Promise<number> {
  const { sent, soft } = await softBounceHistory(db, subscriberId);
  soft.add(campaignId);
  const order = sent.includes(campaignId) ? sent : [campaignId, ...sent];
  let n = 0;
  for (const c of order) {
    if (!soft.has(c)) break;
    n++;
  }
  return n;
}

function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, 64 * 1024).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).slice(0, 16 * 1024);
}
