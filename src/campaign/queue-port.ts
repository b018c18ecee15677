/**
 * What the campaign use cases need from a queue, declared here and supplied by the wiring
 * (src/queue/campaign-queue.ts on BullMQ): campaign/ never imports BullMQ.
 */
export interface CampaignQueue {
  /** Safe to print. */
  readonly description: string;
  /** Adds the batch jobs of a campaign (idempotent: the same batch twice is one job). */
  enqueueBatches(
    campaignId: number,
    provider: string,
    batches: readonly number[],
    delayMs: number,
  ): Promise<void>;
  /** Workers connected to the provider's queue now (when the queue can tell). */
  workers?(provider: string): Promise<number>;
}
