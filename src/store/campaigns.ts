import type { Selectable } from 'kysely';
import type { Db } from './audience.ts';
import { type CampaignState, type CampaignsTable, now } from './schema.ts';

/**
 * Typed queries about campaigns. State changes are conditional updates (`updateCampaignState`): the
 * store does not know the state machine; src/campaign/state.ts says which moves are legal.
 */

/** A campaign as read back (the table's columns but `updated_at`). */
export type CampaignRow = Omit<Selectable<CampaignsTable>, 'updated_at'>;

const CAMPAIGN_COLUMNS = [
  'id',
  'issue_file',
  'issue_slug',
  'content_hash',
  'list_id',
  'subject',
  'state',
  'state_reason',
  'compiled',
  'batch_size',
  'batches',
  'total',
  'provider',
  'scheduled_at',
  'message_key',
  'signed_ids',
  'tracking',
  'created_at',
] as const;

export async function campaignById(db: Db, id: number): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').select(CAMPAIGN_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** What a worker re-reads per job: the row without its compiled issue (read once per campaign). */
export type CampaignHead = Omit<CampaignRow, 'compiled'>;
const HEAD_COLUMNS = CAMPAIGN_COLUMNS.filter((c) => c !== 'compiled');

export async function campaignHead(db: Db, id: number): Promise<CampaignHead | undefined> {
  return db.selectFrom('campaigns').select(HEAD_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** A campaign's state alone: what a running batch re-reads to notice a pause. */
export async function campaignState(db: Db, id: number): Promise<CampaignState | undefined> {
  const row = await db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirst();
  return row?.state;
}

export async function campaignsOfIssue(db: Db, slug: string, listId: number): Promise<CampaignRow[]> {
  return db
    .selectFrom('campaigns')
    .select(CAMPAIGN_COLUMNS)
    .where('issue_slug', '=', slug)
    .where('list_id', '=', listId)
    .orderBy('id')
    .execute();
}

export async function recentCampaigns(db: Db, limit = 20): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').select(CAMPAIGN_COLUMNS).orderBy('id', 'desc').limit(limit).execute();
}

export async function campaignsInState(db: Db, states: readonly CampaignState[]): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').select(CAMPAIGN_COLUMNS).where('state', 'in', states).execute();
}

/** Every provider that has campaigns (one queue each). */
export async function campaignProviders(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('campaigns').select('provider').distinct().execute();
  return rows.map((r) => r.provider);
}

export async function insertCampaign(
  db: Db,
  c: Omit<
    CampaignRow,
    'id' | 'created_at' | 'state_reason' | 'batches' | 'total' | 'signed_ids' | 'tracking'
  > & {
    signed_ids?: number;
    tracking?: string;
  },
): Promise<number> {
  const at = now();
  const row = await db
    .insertInto('campaigns')
    .values({ ...c, state_reason: null, batches: 0, total: 0, created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Sets the state to `to` only if it is one of `from`; returns whether the row changed. */
export async function updateCampaignState(
  db: Db,
  id: number,
  from: readonly CampaignState[],
  to: CampaignState,
  reason: string | null,
): Promise<boolean> {
  if (!from.length) return false;
  const r = await db
    .updateTable('campaigns')
    .set({ state: to, state_reason: reason, updated_at: now() })
    .where('id', '=', id)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function setCampaignSize(db: Db, id: number, total: number, batches: number): Promise<void> {
  await db.updateTable('campaigns').set({ total, batches, updated_at: now() }).where('id', '=', id).execute();
}

/** Sets the reason shown beside a state, without changing the state, on rows still in `states`. */
export async function setStateReason(
  db: Db,
  id: number,
  states: readonly CampaignState[],
  reason: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('campaigns')
    .set({ state_reason: reason, updated_at: now() })
    .where('id', '=', id)
    .where('state', 'in', states)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
