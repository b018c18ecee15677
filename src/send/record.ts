import { metrics } from '../_shared/metrics.ts';
import { isOutage, outageDelayMs } from '../_shared/outage.ts';
import { closeEverywhere } from '../audience/membership.ts';
import { replyKey, SAME_REPLY_STREAK } from '../events/policy.ts';
import type { Db } from '../store/audience.ts';
import { type DeliveryOutcome, type DeliveryToSend, recordOutcomes } from '../store/deliveries.ts';
import type { SmtpVerdict } from './classify.ts';
import type { CampaignContext } from './context.ts';
import type { SendDeps } from './deps.ts';
import type { OutgoingMessage } from './message.ts';

export interface Tally {
  sent: number;
  skipped: number;
  retrying: number;
  bounced: number;
  failed: number;
}

/**
 * Step 5: what became of each message. An accepted message is recorded at once in Redis (the
 * accepted log, see accepted.ts); the ledger catches up `flushEvery` outcomes or `flushMs` at a time
 * and at the end of the job, then Redis forgets them. When Redis is away the ledger is written at
 * once instead, so no accepted message is ever recorded nowhere. Outcomes and
 * their effects on the reader (a hard bounce suppresses the address through the membership module)
 * go in one transaction; retry jobs are scheduled only once it has committed, so a retry never
 * runs ahead of the row it retries. Every line logged about a delivery carries campaignId,
 * deliveryId and messageId.
 */
/** A permanent refusal held until it is known whether it is one reader's or everyone's (see `refused`). */
interface Held {
  d: DeliveryToSend;
  m: OutgoingMessage;
  verdict: Extract<SmtpVerdict, { kind: 'permanent' }>;
}

export class Recorder {
  readonly tally: Tally;
  policyBounces = 0;
  /** Set when the relay refused the sender itself: the campaign pauses with this reason. */
  senderRefused: string | null = null;
  /** The run of permanent refusals with one same reply, in the order they came, not yet recorded. */
  private streak: { key: string; held: Held[]; domains: Set<string> } | null = null;
  private outcomes: DeliveryOutcome[] = [];
  private effects: Array<(trx: Db) => Promise<void>> = [];
  private afterCommit: Array<() => Promise<void>> = [];
  /** Redis could not take an acceptance: write the ledger now. */
  private urgent = false;
  private lastFlush = Date.now();
  private redisDownSaid = false;

  constructor(
    private readonly deps: SendDeps,
    private readonly ctx: CampaignContext,
    skipped: ReadonlyArray<Pick<DeliveryToSend, 'id' | 'subscriber_id'>>,
  ) {
    this.tally = { sent: 0, skipped: skipped.length, retrying: 0, bounced: 0, failed: 0 };
    if (skipped.length) metrics.skipped.inc({ provider: deps.settings.provider }, skipped.length);
    for (const d of skipped) this.logSkipped(d);
  }

  /** Never built, so no Message-ID: the reader left or was suppressed, or the campaign was cancelled. */
  private logSkipped(d: Pick<DeliveryToSend, 'id' | 'subscriber_id'>, reason?: string): void {
    this.deps.log('delivery.skipped', {
      campaignId: this.ctx.row.id,
      deliveryId: d.id,
      messageId: null,
      subscriberId: d.subscriber_id,
      ...(reason ? { reason } : {}),
    });
  }

  get size(): number {
    return this.outcomes.length;
  }

  private fields(d: DeliveryToSend, m: OutgoingMessage) {
    return {
      campaignId: this.ctx.row.id,
      deliveryId: d.id,
      messageId: m.messageId,
      subscriberId: d.subscriber_id,
    };
  }

  /** Whether the ledger should catch up now. */
  due(): boolean {
    if (!this.outcomes.length) return false;
    const { flushEvery, flushMs } = this.deps.settings;
    return this.urgent || this.outcomes.length >= flushEvery || Date.now() - this.lastFlush >= flushMs;
  }

  /** Resolves once the acceptance is recorded somewhere durable: Redis now, or the ledger at the next flush, due at once. */
  async sent(d: DeliveryToSend, m: OutgoingMessage, response: string): Promise<void> {
    this.endStreak();
    const at = new Date().toISOString();
    this.outcomes.push({ id: d.id, status: 'sent', messageId: m.messageId, response, sentAt: at });
    try {
      await this.deps.accepted.add(this.ctx.row.id, d.id, { messageId: m.messageId, response, at });
    } catch (e) {
      this.urgent = true;
      if (!this.redisDownSaid) {
        this.redisDownSaid = true;
        this.deps.log('accepted.unavailable', {
          campaignId: this.ctx.row.id,
          err: (e as Error).message,
          meanwhile: 'writing the ledger after every message until Redis is back',
        });
      }
    }
    this.tally.sent++;
    metrics.submitted.inc({ provider: this.deps.settings.provider });
    this.deps.log('delivery.sent', this.fields(d, m));
  }

  /** A run that stops early (throttled, paused, cancelled) gives back the rows it did not try. */
  release(d: DeliveryToSend, status: 'pending' | 'skipped'): void {
    if (status === 'pending') this.outcomes.push({ id: d.id, status, refundAttempt: true });
    else {
      this.outcomes.push({ id: d.id, status, response: 'campaign cancelled' });
      this.tally.skipped++;
      metrics.skipped.inc({ provider: this.deps.settings.provider });
      this.logSkipped(d, 'campaign cancelled');
    }
  }

  /**
   * The relay itself failed while this message was in hand: nothing happened to the reader. The row
   * goes back to pending with its attempt given back, and no reply is recorded against it.
   */
  private relayFailed(d: DeliveryToSend, m: OutgoingMessage, verdict: SmtpVerdict): void {
    this.outcomes.push({ id: d.id, status: 'pending', refundAttempt: true });
    this.deps.log('delivery.waiting_for_relay', {
      ...this.fields(d, m),
      code: verdict.code,
      response: verdict.text,
    });
  }

  /** A refusal or a transport error: what it means for this reader. */
  refused(d: DeliveryToSend, m: OutgoingMessage, verdict: SmtpVerdict): void {
    const { settings } = this.deps;
    const provider = { provider: settings.provider };
    const attempt = d.attempts + 1;
    const base = { ...this.fields(d, m), code: verdict.code, response: verdict.text };
    const refusal = { code: verdict.code, response: verdict.text };
    if (verdict.kind === 'relay') {
      this.relayFailed(d, m, verdict);
    } else if (verdict.kind === 'sender') {
      this.senderFailed(d, m, verdict.code, verdict.text);
    } else if (verdict.kind === 'permanent' && this.senderRefused) {
      // After the campaign was found refused for everyone: not this reader's either.
      this.senderFailed(d, m, verdict.code, verdict.text);
    } else if (verdict.kind === 'throttled') {
      // The provider said "slow down": the message waits without using an attempt.
      this.outcomes.push({ id: d.id, status: 'pending', refundAttempt: true, ...refusal });
      metrics.throttled.inc(provider);
      this.deps.log('delivery.throttled', base);
    } else if (verdict.kind === 'permanent') {
      this.hold({ d, m, verdict });
    } else if (attempt >= settings.maxAttempts) {
      this.outcomes.push({ id: d.id, status: 'failed', ...refusal });
      this.tally.failed++;
      metrics.failed.inc(provider);
      this.deps.log('delivery.failed', base);
    } else {
      const delay = this.deps.retryDelayMs(attempt);
      this.outcomes.push({
        id: d.id,
        status: 'retrying',
        ...refusal,
        nextAttemptAt: new Date(Date.now() + delay).toISOString(),
      });
      this.tally.retrying++;
      metrics.retries.inc(provider);
      const campaignId = this.ctx.row.id;
      this.afterCommit.push(() => this.deps.scheduleRetry(campaignId, d.id, attempt + 1, delay));
      this.deps.log('delivery.retrying', { ...base, attempt, delayMs: delay });
    }
  }

  /**
   * The relay refused the sender (at MAIL FROM, or a 5.1.7/5.1.8), or one same reply came for
   * readers at many domains in a row: the sender's fault. Nothing happens to the reader; the row
   * goes back to pending with its attempt given back, to be sent once the sender is fixed.
   */
  private senderFailed(d: DeliveryToSend, m: OutgoingMessage, code: number | null, text: string): void {
    this.outcomes.push({ id: d.id, status: 'pending', refundAttempt: true });
    this.senderRefused ??= `paused by numero: the relay refused the sender, not the readers (${text.slice(0, 200)}); no reader's status changed. Fix the sender (its domain, return path, SPF/DKIM, reputation), then numero campaign resume ${this.ctx.row.id}`;
    this.deps.log('delivery.sender_refused', {
      campaignId: this.ctx.row.id,
      deliveryId: d.id,
      messageId: m.messageId,
      subscriberId: d.subscriber_id,
      code,
      response: text,
    });
  }

  /**
   * A permanent refusal waits while the same reply keeps coming: one reply for readers at many
   * domains in a row (SAME_REPLY_STREAK) is the sender's, and then none of them is recorded against
   * its reader. Any other outcome (an acceptance, another reply, the end of the job) records them.
   */
  private hold(h: Held): void {
    const key = replyKey(h.verdict.text);
    if (this.streak && this.streak.key !== key) this.endStreak();
    this.streak ??= { key, held: [], domains: new Set() };
    this.streak.held.push(h);
    const email = h.d.email_normalized;
    this.streak.domains.add(email.slice(email.lastIndexOf('@') + 1));
    if (
      this.streak.held.length >= SAME_REPLY_STREAK.readers &&
      this.streak.domains.size >= SAME_REPLY_STREAK.domains
    ) {
      const text = h.verdict.text;
      for (const x of this.streak.held.splice(0)) this.senderFailed(x.d, x.m, x.verdict.code, text);
      this.senderRefused = `paused by numero: the same reply came for ${SAME_REPLY_STREAK.readers}+ readers at ${this.streak.domains.size} domains in a row (${text.slice(0, 200)}): the sender's problem, not the readers'; no reader's status changed. Fix it, then numero campaign resume ${this.ctx.row.id}`;
      this.streak = null;
    }
  }

  /** The run of one same reply is over: its refusals are each reader's own. */
  private endStreak(): void {
    const s = this.streak;
    this.streak = null;
    if (!s) return;
    const provider = { provider: this.deps.settings.provider };
    for (const { d, m, verdict } of s.held) {
      const { kind, fault, reason } = verdict.judgement;
      this.outcomes.push({ id: d.id, status: 'bounced', code: verdict.code, response: verdict.text });
      if (verdict.suppress)
        this.effects.push((trx: Db) =>
          closeEverywhere(trx, {
            subscriberId: d.subscriber_id,
            emailNormalized: d.email_normalized,
            campaignId: String(this.ctx.row.id),
            kind: 'bounced',
            reason: 'bounced',
            detail: verdict.text,
            source: 'send bounce',
          }).then(() => undefined),
        );
      this.tally.bounced++;
      if (verdict.policy) this.policyBounces++;
      metrics.bounced.inc({
        ...provider,
        kind: kind === 'hard' ? 'hard' : kind === 'policy' ? 'policy' : 'other',
      });
      this.deps.log('delivery.bounced', {
        ...this.fields(d, m),
        code: verdict.code,
        response: verdict.text,
        kind,
        fault,
        reason,
      });
    }
  }

  /**
   * Writes what is pending. The messages are already with the relay, so an outage of the database
   * must not lose their outcomes (they would be sent again): it waits and tries again, with backoff,
   * until the database answers, and says so in the log.
   */
  async flush(final = false): Promise<void> {
    if (final) this.endStreak();
    const outcomes = this.outcomes.splice(0);
    const effects = this.effects.splice(0);
    const later = this.afterCommit.splice(0);
    this.urgent = false;
    this.lastFlush = Date.now();
    if (outcomes.length || effects.length) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.deps.store.db.transaction().execute(async (trx) => {
            await recordOutcomes(trx, outcomes);
            for (const e of effects) await e(trx);
          });
          if (attempt)
            this.deps.log('ledger.back', { campaignId: this.ctx.row.id, outcomes: outcomes.length });
          const written = outcomes.filter((o) => o.status === 'sent').map((o) => o.id);
          // The ledger has them: Redis may forget (entries left by a failure here expire).
          await this.deps.accepted.forget(this.ctx.row.id, written).catch(() => {});
          break;
        } catch (e) {
          if (!isOutage(e)) throw e;
          const waitMs = outageDelayMs(attempt);
          this.deps.log('ledger.unavailable', {
            campaignId: this.ctx.row.id,
            outcomes: outcomes.length,
            err: (e as Error).message,
            waitMs,
          });
          await new Promise((r) => setTimeout(r, waitMs));
        }
      }
    }
    for (const f of later) await f();
  }
}
