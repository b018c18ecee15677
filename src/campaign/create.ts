import { randomBytes } from 'node:crypto';
import { formatTracking, parseTracking } from '../audience/tracking.ts';
import { NumeroError } from '../errors.ts';
import type { ReadyIssue } from '../render/prepare.ts';
import { trackableLinks } from '../render/tracked-links.ts';
import type { List } from '../store/audience.ts';
import {
  type CampaignRow,
  campaignById,
  campaignsOfIssue,
  insertCampaign,
  setCampaignSize,
} from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { snapshotAudiencePage } from '../store/deliveries.ts';
import { insertCampaignLinks, listTracking } from '../store/engagement.ts';

export interface CreateCampaignOptions {
  /** The issue as prepared once: its compiled form and the hash of the file as read. */
  prepared: ReadyIssue;
  list: List;
  batchSize: number;
  provider: string;
  scheduledAt: Date | null;
  /** Send an issue again to a list that already got it: a new campaign, on purpose. */
  again: boolean;
  /** Where numero's own pages are: links there are never tracked. */
  publicUrl: string;
}

/**
 * Creates the campaign and its ledger: the rendered issue is stored with it (what readers get cannot
 * change during the send), the audience is the list's active, unsuppressed readers at this moment,
 * one delivery row per reader, numbered into batches. Streams the audience in pages, so memory is
 * flat at any list size: each page is one INSERT … SELECT in the database. Refuses to send the same issue to the same list twice without `again`.
 */
export async function createCampaign(store: Store, o: CreateCampaignOptions): Promise<CampaignRow> {
  const report = o.prepared;
  const slug = report.issue.slug;
  const previous = (await campaignsOfIssue(store.db, slug, o.list.id)).filter((c) => c.state !== 'cancelled');
  const unfinishedDraft = previous.find((c) => c.state === 'draft');
  let campaignId: number;
  if (unfinishedDraft && !o.again) {
    campaignId = unfinishedDraft.id; // an interrupted `numero send`: finish its snapshot
  } else {
    const done = previous.at(-1);
    if (done && !o.again) {
      throw new NumeroError(
        'USAGE',
        `${report.file} was already sent to list ${o.list.name}: campaign ${done.id} (${done.state}). Nothing was queued. Use --again to send it again as a new campaign.`,
      );
    }
    // The list's tracking as it is now, kept with the campaign, and the links it will rewrite.
    const tracking = parseTracking(await listTracking(store.db, o.list.id));
    campaignId = await insertCampaign(store.db, {
      issue_file: report.file,
      issue_slug: slug,
      content_hash: report.contentHash,
      list_id: o.list.id,
      subject: report.compiled.subject,
      state: 'draft',
      compiled: JSON.stringify(report.compiled),
      batch_size: o.batchSize,
      provider: o.provider,
      scheduled_at: o.scheduledAt?.toISOString() ?? null,
      message_key: randomBytes(6).toString('hex'),
      signed_ids: 1,
      tracking: formatTracking(tracking),
    });
    if (tracking.clicks !== 'off')
      await insertCampaignLinks(store.db, campaignId, trackableLinks(report.compiled, o.publicUrl));
  }

  let total = 0;
  let after = 0;
  const PAGE = 50_000;
  for (;;) {
    const page = await store.db.transaction().execute((trx) =>
      snapshotAudiencePage(trx, {
        campaignId,
        listId: o.list.id,
        afterId: after,
        limit: PAGE,
        numbered: total,
        batchSize: o.batchSize,
      }),
    );
    if (!page) break;
    total += page.count;
    after = page.lastId;
  }
  await setCampaignSize(store.db, campaignId, total, Math.ceil(total / o.batchSize));
  const row = await campaignById(store.db, campaignId);
  if (!row) throw new Error(`campaign ${campaignId} vanished`);
  return row;
}
