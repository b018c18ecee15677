import type { Queue } from 'bullmq';
import {
  BATCH_JOB,
  BATCH_JOB_OPTIONS,
  type BatchJob,
  batchJobId,
  RETRY_JOB,
  type RetryJob,
  retryJobId,
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
