import { loadContext } from '../content/load.ts';
import { NumeroError } from '../errors.ts';
import { prepareIssue, requireReady } from '../render/prepare.ts';
import { requireList } from '../store/audience.ts';
import { type CampaignRow, campaignById } from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { createCampaign } from './create.ts';
import type { CampaignQueue } from './queue-port.ts';
import { transition } from './state.ts';

export interface LaunchDeps {
  store: Store;
  queue: CampaignQueue;
  /** The SMTP relay, checked (connect, EHLO, AUTH) before anything is written or queued. */
  relay?: { description: string; check(): Promise<void> } | undefined;
  workspace: { issuesDir: string; templatesDir: string; publicUrl: string };
  send: { batchSize: number; provider: string };
}

export interface LaunchOptions {
  file: string;
  list: string;
  at: Date | null;
  /** Send an issue this list already got, as a new campaign. */
  again: boolean;
}

/**
 * `numero send` up to the queue: prepare the issue (read once, check, render once), check that the
 * relay accepts us, snapshot the audience into the ledger, enqueue the batches, draft → queued. An
 * error in the issue or a relay that refuses us stops it before anything is written or queued.
 */
export async function launchCampaign(deps: LaunchDeps, o: LaunchOptions): Promise<CampaignRow> {
  const { store, workspace } = deps;
  const prepared = requireReady(await prepareIssue(o.file, loadContext(workspace), workspace));
  const list = await requireList(store.db, o.list);
  if (deps.relay) {
    try {
      await deps.relay.check();
    } catch (e) {
      throw new NumeroError(
        'SMTP_FAILED',
        `the SMTP relay ${deps.relay.description} refused us: ${(e as Error).message}. Nothing was queued; check SMTP_URL.`,
        { cause: e, retryable: true },
      );
    }
  }
  const campaign = await createCampaign(store, {
    prepared,
    list,
    batchSize: deps.send.batchSize,
    provider: deps.send.provider,
    scheduledAt: o.at,
    again: o.again,
    publicUrl: workspace.publicUrl,
  });
  const delay = o.at ? Math.max(0, o.at.getTime() - Date.now()) : 0;
  const batches = Array.from({ length: campaign.batches }, (_, i) => i + 1);
  await deps.queue.enqueueBatches(campaign.id, campaign.provider, batches, delay);
  await transition(store.db, campaign.id, campaign.total === 0 ? 'sent' : 'queued');
  return (await campaignById(store.db, campaign.id)) ?? campaign;
}
