import type { CompiledIssue } from '../render/compile.ts';
import { Personalizer } from '../render/personalize.ts';
import { type Db, findListById } from '../store/audience.ts';
import { type CampaignRow, campaignById } from '../store/campaigns.ts';

/** What a worker keeps per campaign: the row (re-read per job), the list's name, the compiled issue. */
export interface CampaignContext {
  row: CampaignRow;
  listName: string;
  personalizer: Personalizer;
}

const cache = new Map<number, CampaignContext>();

/**
 * The campaign a job belongs to. Render once per campaign and worker: the compiled issue stored at
 * creation is parsed by Handlebars once here, then only executed per reader.
 */
export async function campaignContext(db: Db, campaignId: number): Promise<CampaignContext | null> {
  const row = await campaignById(db, campaignId);
  if (!row) return null;
  const cached = cache.get(campaignId);
  if (cached) {
    cached.row = row; // its state may have changed
    return cached;
  }
  const list = await findListById(db, row.list_id);
  const ctx = {
    row,
    listName: list?.name ?? `list-${row.list_id}`,
    personalizer: new Personalizer(JSON.parse(row.compiled) as CompiledIssue),
  };
  cache.set(campaignId, ctx);
  return ctx;
}
