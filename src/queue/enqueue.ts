import type { Queue } from 'bullmq';
import {
  BATCH_JOB,
  BATCH_JOB_OPTIONS,
  type BatchJob,
  batchJobId,
  CONFIRM_JOB,
  confirmJobId,
  RETRY_JOB,
  type RetryJob,
  retryJobId,
  WELCOME_JOB,
  welcomeJobId,
} from './jobs.ts';

const CHUNK = 1_000;

/** Adds batch jobs with their deterministic ids, 1,000 per addBulk call. */
export async function enqueueBatches(
  queue: Queue,
  campaignId: number,
  batches: readonly number[],
  delayMs = 0,
): Promise<void> {
  for (let i = 0; i < batches.length; i += CHUNK) {
    await queue.addBulk(
      batches.slice(i, i + CHUNK).map((batch) => ({
        name: BATCH_JOB,
        data: { campaignId, batch } satisfies BatchJob,
        opts: {
          ...BATCH_JOB_OPTIONS,
          jobId: batchJobId(campaignId, batch),
          ...(delayMs > 0 ? { delay: delayMs } : {}),
        },
      })),
    );
  }
}

export async function enqueueRetry(queue: Queue, job: RetryJob, delayMs: number): Promise<void> {
  await queue.add(RETRY_JOB, job, {
    ...BATCH_JOB_OPTIONS,
    jobId: retryJobId(job.campaignId, job.deliveryId, job.attempt),
    delay: Math.max(0, delayMs),
  });
}

/** A signup's confirmation message, once per signup (jobId `s{id}`; the row's claim makes a re-add harmless). */
export async function enqueueConfirmation(queue: Queue, signupId: number): Promise<void> {
  await queue.add(CONFIRM_JOB, { signupId }, { ...BATCH_JOB_OPTIONS, jobId: confirmJobId(signupId) });
}

/** A list's welcome numéro for one reader (jobId `w{list}-{reader}`; the `welcomes` row keeps it to one). */
export async function enqueueWelcome(queue: Queue, listId: number, subscriberId: number): Promise<void> {
  await queue.add(
    WELCOME_JOB,
    { listId, subscriberId },
    { ...BATCH_JOB_OPTIONS, jobId: welcomeJobId(listId, subscriberId) },
  );
}
