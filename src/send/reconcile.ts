import type { Queue } from 'bullmq';
import { completeIfDone } from '../campaign/lifecycle.ts';
import { enqueueBatches, enqueueConfirmation, enqueueRetry, enqueueWelcome } from '../queue/enqueue.ts';
import { batchJobId, confirmJobId, type SendJobData, welcomeJobId } from '../queue/jobs.ts';
import type { Db } from '../store/audience.ts';
import { campaignsInState } from '../store/campaigns.ts';
import { batchesWithWork, overdueRetries } from '../store/deliveries.ts';
import { confirmationsToQueue } from '../store/signups.ts';
import { welcomesToQueue } from '../store/welcomes.ts';

/**
 * Keeps the queue in line with the ledger: re-adds the batches that still have work (same
 * deterministic job ids, so nothing is duplicated) and the retries whose time has passed, and
 * closes campaigns with nothing left. A Redis that lost its data, or a job lost in a crash, never
 * leaves a reader out; a resumed or retried campaign is picked up within one interval.
 *
 * While the queue holds jobs it only re-adds the batches with stale claims (a dead run's): every
 * batch with work would be 10,000 no-op adds and a scan of a million rows every interval at a
 * million readers. Once the queue is idle, any batch still with work (its job was lost) is re-added.
 */
export async function reconcile(
  db: Db,
  queue: Queue<SendJobData>,
  o: { lockMs: number; provider: string },
): Promise<void> {
  const now = Date.now();
  // Claimed rows older than two lock periods belong to a job whose worker is gone.
  const staleBefore = new Date(now - 2 * o.lockMs).toISOString();
  // A batch job that failed for good (kept in Redis under its id) would make re-adding it a no-op:
  // such a job is retried instead, when the ledger says its batch still has work.
  const failed = new Map((await queue.getFailed(0, 999)).map((j) => [j.id, j]));
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  const idle = Object.values(counts).every((n) => n === 0);
  for (const c of await campaignsInState(db, ['queued', 'sending'])) {
    if (c.provider !== o.provider) continue; // another provider's workers keep their own queue
    if (c.scheduled_at && Date.parse(c.scheduled_at) > now) continue;
    if (await completeIfDone(db, c.id)) continue;
    const batches = await batchesWithWork(db, c.id, staleBefore, { staleOnly: !idle });
    for (const b of batches) await failed.get(batchJobId(c.id, b))?.retry('failed');
    if (batches.length) await enqueueBatches(queue, c.id, batches);
    for (const r of await overdueRetries(db, c.id, new Date(now - 30_000).toISOString())) {
      await enqueueRetry(queue, { campaignId: c.id, deliveryId: r.id, attempt: r.attempts + 1 }, 0);
    }
  }
}

/**
 * Signups whose confirmation is not on its way: queued for over a minute (Redis was away when the
 * form was posted, or the job was lost or failed for good), or claimed by a worker gone for two lock
 * periods. Each goes back on the queue; the row's claim keeps it to one message.
 */
export async function reconcileConfirmations(
  db: Db,
  queue: Queue<SendJobData>,
  lockMs: number,
): Promise<void> {
  const due = await confirmationsToQueue(db, ...staleSince(lockMs));
  await requeue(
    queue,
    due,
    (s) => confirmJobId(s.id),
    (s) => enqueueConfirmation(queue, s.id),
  );
}

/** Welcome numéros not on their way (as reconcileConfirmations): back on the queue. */
export async function reconcileWelcomes(db: Db, queue: Queue<SendJobData>, lockMs: number): Promise<void> {
  const due = await welcomesToQueue(db, ...staleSince(lockMs));
  await requeue(
    queue,
    due,
    (w) => welcomeJobId(w.list_id, w.subscriber_id),
    (w) => enqueueWelcome(queue, w.list_id, w.subscriber_id),
  );
}

/** A transactional message is late when queued over a minute ago, or claimed two lock periods ago. */
function staleSince(lockMs: number): [queuedBefore: string, claimedBefore: string] {
  const now = Date.now();
  return [new Date(now - 60_000).toISOString(), new Date(now - 2 * lockMs).toISOString()];
}

/** Each late message's job: retried when it failed for good, added again when it is gone. */
async function requeue<T>(
  queue: Queue<SendJobData>,
  due: readonly T[],
  jobId: (row: T) => string,
  enqueue: (row: T) => Promise<void>,
): Promise<void> {
  for (const row of due) {
    const job = await queue.getJob(jobId(row));
    if (job && (await job.isFailed())) await job.retry('failed');
    else if (!job) await enqueue(row);
  }
}
