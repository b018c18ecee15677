import type { CompiledIssue } from '../render/compile.ts';
import { type Db, findListById } from '../store/audience.ts';
import { type CampaignHead, campaignById, campaignHead } from '../store/campaigns.ts';
import { PreparedIssue } from './prepared.ts';

/** What a worker keeps per campaign: the row (re-read per job), the list's name, the issue prepared to send. */
export interface CampaignContext {
  row: CampaignHead;
  listName: string;
  issue: PreparedIssue;
}

const cache = new Map<number, CampaignContext>();

/**
 * The campaign a job belongs to. Render once per campaign and worker: the compiled issue stored at
 * creation is read, parsed by Handlebars and its fixed text encoded once here; per reader only its
 * merge fields are executed; each job re-reads the row without it (its state may have changed).
 */
export async function campaignContext(db: Db, campaignId: number): Promise<CampaignContext | null> {
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
  const ctx = {
    row: head,
    listName: list?.name ?? `list-${row.list_id}`,
    issue: new PreparedIssue(JSON.parse(compiled) as CompiledIssue),
  };
  cache.set(campaignId, ctx);
  return ctx;
}
