import { isTracked, parseTracking, type Tracking } from '../audience/tracking.ts';
import type { CompiledIssue } from '../render/compile.ts';
import { withTracking } from '../render/tracked-links.ts';
import { type Db, findListById } from '../store/audience.ts';
import { type CampaignHead, campaignById, campaignHead } from '../store/campaigns.ts';
import { campaignLinks } from '../store/engagement.ts';
import { PreparedIssue } from './prepared.ts';

/** What a worker keeps per campaign: the row (re-read per job), the list's name, the issue prepared to send. */
export interface CampaignContext {
  row: CampaignHead;
  listName: string;
  issue: PreparedIssue;
  /** What the campaign measures (its list's tracking when it was created). */
  tracking: Tracking;
}

const cache = new Map<number, CampaignContext>();

/**
 * The campaign a job belongs to. Render once per campaign and worker: the compiled issue stored at
 * creation is read, parsed by Handlebars and its fixed text encoded once here; per reader only its
 * merge fields are executed; each job re-reads the row without it (its state may have changed).
 */
export async function campaignContext(
  db: Db,
  campaignId: number,
  publicUrl: string,
): Promise<CampaignContext | null> {
  const cached = cache.get(campaignId);
  if (cached) {
    const row = await campaignHead(db, campaignId);
    if (!row) return null;
    cached.row = row;
    return cached;
  }
  const row = await campaignById(db, campaignId);
  if (!row) return null;
  const list = await findListById(db, row.list_id);
  const { compiled, ...head } = row;
  const tracking = parseTracking(row.tracking);
  let issue = JSON.parse(compiled) as CompiledIssue;
  // A tracked campaign's links go through /r/ (and its image is added) here, once: the stored issue
  // stays as rendered, which is what the web version shows.
  if (isTracked(tracking))
    issue = withTracking(issue, tracking.clicks === 'off' ? [] : await campaignLinks(db, campaignId), {
      publicUrl,
      campaignId,
      opens: tracking.opens,
    });
  const ctx = {
    row: head,
    listName: list?.name ?? `list-${row.list_id}`,
    issue: new PreparedIssue(issue),
    tracking,
  };
  cache.set(campaignId, ctx);
  return ctx;
}
