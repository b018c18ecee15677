/**
 * The send queue's contract.
 *
 * Queue: `numero-send-PROVIDER`, one per sending provider, because BullMQ's limiter is per queue and
 * each provider has its own rate.
 *
 * Job `batch` — payload { campaignId, batch }, jobId `c{campaignId}-b{batch}` (the idempotency key:
 * adding it twice while it exists is a no-op, and a re-run sends only what the ledger says is
 * missing). Attempts: 10, exponential backoff from 2 s, for failures of the job itself (database,
 * Redis); a reader's SMTP failure never fails the batch. Emits: delivery rows sent / retrying /
 * bounced / failed / skipped; campaign sending → sent when nothing is left.
 *
 * Job `retry` — payload { campaignId, deliveryId, attempt }, jobId `c{id}-d{deliveryId}-a{attempt}`,
 * delayed by exponential backoff with jitter. One reader's transient failure, retried alone.
 *
 * Job `confirm` — payload { signupId }, jobId `s{signupId}`: a signup's confirmation message
 * (src/send/confirmation.ts). The signup row is claimed before SMTP, so a second job for it is a
 * no-op; a transient failure puts it back and the job is retried with the batches' backoff.
 *
 * Job `welcome` — payload { listId, subscriberId }, jobId `w{listId}-{subscriberId}`: a list's welcome
 * numéro for a reader who joined (src/send/welcome.ts), once ever (the `welcomes` row).
 */
export const BATCH_JOB = 'batch';
export const RETRY_JOB = 'retry';
export const CONFIRM_JOB = 'confirm';
export const WELCOME_JOB = 'welcome';

export interface WelcomeJob {
  listId: number;
  subscriberId: number;
}

export interface ConfirmJob {
  signupId: number;
}

export interface BatchJob {
  campaignId: number;
  batch: number;
}

export interface RetryJob {
  campaignId: number;
  deliveryId: number;
  attempt: number;
}

export type SendJobData = BatchJob | RetryJob | ConfirmJob | WelcomeJob;

export function queueName(provider: string): string {
  return `numero-send-${provider}`;
}

export function batchJobId(campaignId: number, batch: number): string {
  return `c${campaignId}-b${batch}`;
}

/** A signup's confirmation: one job per signup. */
export function confirmJobId(signupId: number): string {
  return `s${signupId}`;
}

/** A list's welcome numéro for one reader: one job per list and reader. */
export function welcomeJobId(listId: number, subscriberId: number): string {
  return `w${listId}-${subscriberId}`;
}

export function retryJobId(campaignId: number, deliveryId: number, attempt: number): string {
  return `c${campaignId}-d${deliveryId}-a${attempt}`;
}

export const BATCH_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: 1_000,
} as const;

/** Exponential backoff with full jitter: attempt 1 → up to base, 2 → up to 2×base, … capped. */
export function retryDelayMs(attempt: number, baseMs: number, capMs = 15 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
