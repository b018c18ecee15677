import type { Newsletter } from '../content/data.ts';
import type { Breaker } from '../queue/breaker.ts';
import type { Store } from '../store/db.ts';
import type { AcceptedLog } from './accepted.ts';
import type { SmtpVerdict } from './classify.ts';
import type { Slots } from './slots.ts';
import type { SmtpSender } from './smtp-thread.ts';

/** A batch job, or one delivery's retry. */
export type SendJob = { campaignId: number } & ({ batch: number } | { deliveryId: number });

/** What sending needs from the rest of the system; the worker supplies it. */
export interface SendDeps {
  store: Store;
  transport: Pick<SmtpSender, 'send'>;
  /** Each accepted message, recorded at once (Redis) before the ledger's batched write. */
  accepted: AcceptedLog;
  /** The process's in-flight messages (SEND_IN_FLIGHT), shared by its jobs. */
  slots: Slots;
  limiter: { acquire(): Promise<void>; penalize(ms: number): Promise<void> };
  /** The provider's relay breaker: open = nobody submits. */
  breaker: Pick<Breaker, 'current'>;
  /** The relay itself failed (not this reader): open the breaker, say so, pause on bad credentials. */
  relayDown(verdict: Extract<SmtpVerdict, { kind: 'relay' }>): Promise<void>;
  scheduleRetry(campaignId: number, deliveryId: number, attempt: number, delayMs: number): Promise<void>;
  retryDelayMs(attempt: number): number;
  newsletter: Newsletter;
  settings: {
    provider: string;
    secret: string;
    publicUrl: string;
    mailtoDomain: string | null;
    bounceDomain: string;
    messageDomain: string;
    /** Messages of one job in flight at once. */
    concurrency: number;
    maxAttempts: number;
    /** The ledger catches up every this many outcomes, or `flushMs` after the last write, and at the end. */
    flushEvery: number;
    flushMs: number;
    throttleWaitMs: number;
    /** A row left `sending` longer than this belongs to a dead run (the queue's lock period). */
    staleClaimMs: number;
    /** How often a running batch re-reads its campaign's state and the relay breaker (a pause stops it within this). */
    stateCheckMs: number;
    policyPauseShare: number;
    policyMinAttempts: number;
  };
  log(event: string, fields: Record<string, unknown>): void;
}

export type JobResult =
  | { kind: 'done'; sent: number; skipped: number; retrying: number; bounced: number; failed: number }
  | { kind: 'paused' }
  | { kind: 'throttled'; waitMs: number }
  | { kind: 'relay'; waitMs: number };
