import { type Selectable, sql } from 'kysely';
import { randomMessageKey } from '../_shared/track-token.ts';
import type { TrackedLink } from '../render/tracked-links.ts';
import type { Db } from './audience.ts';
import type { OpensTable } from './schema.ts';

/**
 * Typed queries about engagement (migration 009): a list's tracking, a campaign's tracked links,
 * and the clicks and image loads recorded in batches by src/engagement/recorder.ts.
 */

export async function listTracking(db: Db, listId: number): Promise<string> {
  const r = await db.selectFrom('lists').select('tracking').where('id', '=', listId).executeTakeFirst();
  return r?.tracking ?? '';
}

export async function setListTracking(db: Db, listId: number, tracking: string): Promise<void> {
  await db.updateTable('lists').set({ tracking }).where('id', '=', listId).execute();
}

/** Written once, when the campaign is created; a resumed draft keeps the links it has. */
export async function insertCampaignLinks(db: Db, campaignId: number, links: readonly TrackedLink[]) {
  if (!links.length) return;
  await db
    .insertInto('campaign_links')
    .values(links.map((l) => ({ campaign_id: campaignId, position: l.position, url: l.url, text: l.text })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function campaignExists(db: Db, campaignId: number): Promise<boolean> {
  return !!(await db.selectFrom('campaigns').select('id').where('id', '=', campaignId).executeTakeFirst());
}

export async function campaignLinks(db: Db, campaignId: number): Promise<TrackedLink[]> {
  return db
    .selectFrom('campaign_links')
    .select(['position', 'url', 'text'])
    .where('campaign_id', '=', campaignId)
    .orderBy('position')
    .execute();
}

/** A click or an image load as the recorder writes it (the row without its id). */
export type EngagementEvent = Omit<Selectable<OpensTable>, 'id'>;

/** Rows per INSERT: well under SQLite's 32,766 bound parameters (7 columns a row). */
const ROWS_PER_INSERT = 1_000;

/** One transaction for the whole batch: SQLite takes its write lock once. */
export async function insertEngagement(
  db: Db,
  clicks: ReadonlyArray<EngagementEvent & { position: number }>,
  opens: readonly EngagementEvent[],
): Promise<void> {
  if (!clicks.length && !opens.length) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < clicks.length; i += ROWS_PER_INSERT)
      await trx
        .insertInto('clicks')
        .values(clicks.slice(i, i + ROWS_PER_INSERT))
        .execute();
    for (let i = 0; i < opens.length; i += ROWS_PER_INSERT)
      await trx
        .insertInto('opens')
        .values(opens.slice(i, i + ROWS_PER_INSERT))
        .execute();
  });
}

/** Per link and kind (person or machine): clicks, and distinct messages that clicked. */
export async function clickTotals(
  db: Db,
  campaignId: number,
): Promise<Array<{ position: number; machine: number; clicks: number; messages: number }>> {
  const rows = await db
    .selectFrom('clicks')
    .select([
      'position',
      'machine',
      (eb) => eb.fn.countAll<string | number>().as('clicks'),
      (eb) => eb.fn.count<string | number>('message_key').distinct().as('messages'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy(['position', 'machine'])
    .execute();
  return rows.map((r) => ({
    position: r.position,
    machine: r.machine,
    clicks: Number(r.clicks),
    messages: Number(r.messages),
  }));
}

/** Distinct messages with at least one click (or image load) by a person. */
export async function engagedMessages(
  db: Db,
  table: 'clicks' | 'opens',
  campaignId: number,
): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.count<string | number>('message_key').distinct().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('machine', '=', 0)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** How many requests came from each kind of machine. */
export async function machineReasons(
  db: Db,
  table: 'clicks' | 'opens',
  campaignId: number,
): Promise<Array<{ why: string; count: number }>> {
  const rows = await db
    .selectFrom(table)
    .select(['why', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('machine', '=', 1)
    .groupBy('why')
    .execute();
  return rows.map((r) => ({ why: r.why ?? '?', count: Number(r.n) })).sort((a, b) => b.count - a.count);
}

/** A person's clicks (or image loads) per hour, `YYYY-MM-DDTHH` (UTC), in order. */
export async function perHour(
  db: Db,
  table: 'clicks' | 'opens',
  campaignId: number,
): Promise<Array<{ hour: string; count: number }>> {
  const hour = sql<string>`substr(at, 1, 13)`;
  const rows = await db
    .selectFrom(table)
    .select([hour.as('hour'), (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('machine', '=', 0)
    .groupBy(hour)
    .orderBy(hour)
    .execute();
  return rows.map((r) => ({ hour: String(r.hour), count: Number(r.n) }));
}

/** Image loads: all, by machines, and distinct messages a person opened. */
export async function openTotals(
  db: Db,
  campaignId: number,
): Promise<{ loads: number; machine: number; messages: number }> {
  const r = await db
    .selectFrom('opens')
    .select([
      (eb) => eb.fn.countAll<string | number>().as('loads'),
      (eb) => eb.fn.sum<string | number | null>('machine').as('machine'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return {
    loads: Number(r?.loads ?? 0),
    machine: Number(r?.machine ?? 0),
    messages: await engagedMessages(db, 'opens', campaignId),
  };
}

/** Readers who left (or complained) by this campaign's links or reports. */
export async function leftBy(
  db: Db,
  campaignId: number,
): Promise<{ unsubscribes: number; complaints: number }> {
  const rows = await db
    .selectFrom('events')
    .select(['type', (eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('n')])
    .where('campaign_id', '=', String(campaignId))
    .where('type', 'in', ['unsubscribed', 'complained'])
    .groupBy('type')
    .execute();
  const n = (t: string) => Number(rows.find((r) => r.type === t)?.n ?? 0);
  return { unsubscribes: n('unsubscribed'), complaints: n('complained') };
}

/** The list's campaigns before this one that sent something, newest first. */
export async function earlierCampaigns(db: Db, listId: number, beforeId: number, limit: number) {
  return db
    .selectFrom('campaigns')
    .select(['id', 'issue_slug', 'tracking'])
    .where('list_id', '=', listId)
    .where('id', '<', beforeId)
    .where('state', 'in', ['sending', 'sent', 'paused'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Cuts clicks and opens from their readers (tracking clicks-per-reader): when older than `before`
 * (TRACKING_RETENTION_DAYS), or all of one reader's (`subscribers forget`). Each message's rows get a
 * new random key (as tracking `clicks` gives) instead of the delivery, all its rows at once, so the counts and the unique
 * readers stay what they were and nobody can say whose they were. Returns how many messages were
 * cut loose. Runs in the caller's transaction when given one.
 */
export async function detachEngagement(
  db: Db,
  which: { before: string } | { subscriberId: number },
  inTransaction = false,
): Promise<number> {
  const tied = (table: 'clicks' | 'opens') => {
    let q = db.selectFrom(table).select(['campaign_id', 'message_key']).where('delivery_id', 'is not', null);
    if ('before' in which) q = q.where('at', '<', which.before);
    else
      q = q.where('delivery_id', 'in', (eb) =>
        eb.selectFrom('deliveries').select('id').where('subscriber_id', '=', which.subscriberId),
      );
    return q;
  };
  const detach = async (trx: Db, page: ReadonlyArray<{ campaign_id: number; message_key: string }>) => {
    for (const m of page) {
      const key = randomMessageKey();
      for (const table of ['clicks', 'opens'] as const)
        await trx
          .updateTable(table)
          .set({ delivery_id: null, message_key: key })
          .where('campaign_id', '=', m.campaign_id)
          .where('message_key', '=', m.message_key)
          .where('delivery_id', 'is not', null)
          .execute();
    }
  };
  let done = 0;
  for (;;) {
    const page = await tied('clicks').union(tied('opens')).limit(500).execute();
    if (!page.length) return done;
    if (inTransaction) await detach(db, page);
    else await db.transaction().execute((trx) => detach(trx, page));
    done += page.length;
  }
}
