import { sql } from 'kysely';
import type { Db } from './audience.ts';
import { DELIVERY_STATUSES, type DeliveryStatus, now } from './schema.ts';

/** Typed queries about deliveries: one row per reader of a campaign, the ledger that sending trusts. */
export async function insertDeliveries(
  db: Db,
  rows: ReadonlyArray<{ campaign_id: number; subscriber_id: number; batch_no: number }>,
): Promise<void> {
  if (!rows.length) return;
  const at = now();
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('deliveries')
      .values(
        rows
          .slice(i, i + 500)
          .map((r) => ({ ...r, status: 'pending' as const, attempts: 0, updated_at: at })),
      )
      .onConflict((oc) => oc.columns(['campaign_id', 'subscriber_id']).doNothing())
      .execute();
  }
}

export type StatusCounts = Record<DeliveryStatus, number>;

/** Deliveries per status, of one campaign or (without an id) of every campaign. */
export async function deliveryCounts(db: Db, campaignId?: number): Promise<StatusCounts> {
  let q = db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll<string | number>().as('n')]);
  if (campaignId !== undefined) q = q.where('campaign_id', '=', campaignId);
  const rows = await q.groupBy('status').execute();
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/** When a campaign's first and last message were accepted (ISO times), or null before any. */
export async function acceptedSpan(
  db: Db,
  campaignId: number,
): Promise<{ first: string; last: string } | null> {
  const row = await db
    .selectFrom('deliveries')
    .select([(eb) => eb.fn.min('sent_at').as('first'), (eb) => eb.fn.max('sent_at').as('last')])
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return row?.first && row.last ? { first: String(row.first), last: String(row.last) } : null;
}

/** A batch's deliveries that still need a send: pending, or claimed by an earlier run of this job. */
export interface DeliveryToSend {
  id: number;
  subscriber_id: number;
  status: DeliveryStatus;
  attempts: number;
  email: string;
  email_normalized: string;
  name: string | null;
  attributes: string;
  membership: string | null;
  suppressed: string | null;
}

export async function deliveriesToSend(
  db: Db,
  campaignId: number,
  listId: number,
  where: { batchNo: number } | { deliveryId: number },
  claimable: Claimable,
): Promise<DeliveryToSend[]> {
  let q = db
    .selectFrom('deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .leftJoin('memberships as m', (j) =>
      j.onRef('m.subscriber_id', '=', 'd.subscriber_id').on('m.list_id', '=', listId),
    )
    .leftJoin('suppressions as x', 'x.email_normalized', 's.email_normalized')
    .select([
      'd.id as id',
      'd.subscriber_id as subscriber_id',
      'd.status as status',
      'd.attempts as attempts',
      's.email as email',
      's.email_normalized as email_normalized',
      's.name as name',
      's.attributes as attributes',
      'm.status as membership',
      'x.reason as suppressed',
    ])
    .where('d.campaign_id', '=', campaignId)
    .where((eb) =>
      eb.or([
        eb('d.status', '=', claimable.status),
        eb.and([eb('d.status', '=', 'sending'), eb('d.claimed_at', '<', claimable.staleBefore)]),
      ]),
    );
  q = 'batchNo' in where ? q.where('d.batch_no', '=', where.batchNo) : q.where('d.id', '=', where.deliveryId);
  return q.orderBy('d.id').execute();
}

/**
 * Which rows a job may take: those in `status` (pending for a batch, retrying for a retry), and rows
 * left `sending` by a run that is gone — claimed before `staleBefore` (one lock period ago), so a row
 * another live job is sending right now is never taken.
 */
export interface Claimable {
  status: 'pending' | 'retrying';
  staleBefore: string;
}

export async function claimDeliveries(
  db: Db,
  ids: readonly number[],
  claimable: Claimable,
): Promise<number[]> {
  if (!ids.length) return [];
  const at = now();
  const claimed = await db
    .updateTable('deliveries')
    .set({ status: 'sending', attempts: sql`attempts + 1`, claimed_at: at, updated_at: at })
    .where('id', 'in', ids)
    .where((eb) =>
      eb.or([
        eb('status', '=', claimable.status),
        eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', claimable.staleBefore)]),
      ]),
    )
    .returning('id')
    .execute();
  return claimed.map((r) => r.id);
}

export interface DeliveryOutcome {
  id: number;
  status: Exclude<DeliveryStatus, 'pending' | 'sending'> | 'pending';
  messageId?: string | null;
  code?: number | null;
  response?: string | null;
  /** When the relay accepted it (sent only); the time of writing otherwise. */
  sentAt?: string;
  /** Throttled: give the attempt back. */
  refundAttempt?: boolean;
  nextAttemptAt?: string | null;
}

/** Per-row values in one statement: `CASE id WHEN … THEN … END`, the same in SQLite and PostgreSQL. */
function byId<T>(rows: readonly DeliveryOutcome[], value: (o: DeliveryOutcome) => T) {
  return sql<T>`case id ${sql.join(
    rows.map((o) => sql`when ${o.id} then ${value(o)}`),
    sql` `,
  )} end`;
}

/**
 * Records outcomes; only rows still `sending` change (a second writer of the same outcome, or a late
 * one, changes nothing). Sent rows, nearly all of them, go in one statement per 200; the rest one
 * by one. Callers wrap it in their transaction.
 */
export async function recordOutcomes(db: Db, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  const at = now();
  const sent = outcomes.filter((o) => o.status === 'sent');
  for (let i = 0; i < sent.length; i += 200) {
    const rows = sent.slice(i, i + 200);
    await db
      .updateTable('deliveries')
      .set({
        status: 'sent',
        message_id: byId(rows, (o) => o.messageId ?? null),
        smtp_code: null,
        smtp_response: byId(rows, (o) => (o.response ? o.response.slice(0, 500) : null)),
        sent_at: byId(rows, (o) => o.sentAt ?? at),
        next_attempt_at: null,
        updated_at: at,
      })
      .where(
        'id',
        'in',
        rows.map((o) => o.id),
      )
      .where('status', '=', 'sending')
      .execute();
  }
  for (const o of outcomes) {
    if (o.status === 'sent') continue;
    await db
      .updateTable('deliveries')
      .set({
        status: o.status,
        message_id: o.messageId ?? null,
        smtp_code: o.code ?? null,
        smtp_response: o.response ? o.response.slice(0, 500) : null,
        sent_at: null,
        next_attempt_at: o.nextAttemptAt ?? null,
        updated_at: at,
        ...(o.refundAttempt ? { attempts: sql<number>`attempts - 1` } : {}),
      })
      .where('id', '=', o.id)
      .where('status', '=', 'sending')
      .execute();
  }
}

/** Whether any delivery of the campaign is still to try (one indexed row, whatever the size). */
export async function hasWorkLeft(db: Db, campaignId: number): Promise<boolean> {
  const row = await db
    .selectFrom('deliveries')
    .select('id')
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', ['pending', 'sending', 'retrying'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function markSkipped(db: Db, ids: readonly number[], reason: string): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('deliveries')
    .set({ status: 'skipped', smtp_response: reason, updated_at: now() })
    .where('id', 'in', ids)
    .where('status', 'in', ['pending', 'sending', 'retrying'])
    .execute();
}

/**
 * Batches with rows claimed long ago by a run that is gone and, unless `staleOnly`, pending rows:
 * what the reconciler re-adds (only the former while the queue is busy).
 */
export async function batchesWithWork(
  db: Db,
  campaignId: number,
  staleBefore: string,
  o: { staleOnly?: boolean } = {},
): Promise<number[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select('batch_no')
    .distinct()
    .where('campaign_id', '=', campaignId)
    .where((eb) => {
      const stale = eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', staleBefore)]);
      return o.staleOnly ? stale : eb.or([eb('status', '=', 'pending'), stale]);
    })
    .execute();
  return rows.map((r) => r.batch_no).sort((a, b) => a - b);
}

/** Deliveries waiting for a retry whose time has come (their retry job may have been lost). */
export async function overdueRetries(
  db: Db,
  campaignId: number,
  before: string,
): Promise<Array<{ id: number; attempts: number }>> {
  return db
    .selectFrom('deliveries')
    .select(['id', 'attempts'])
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'retrying')
    .where('next_attempt_at', '<', before)
    .execute();
}

/** Puts deliveries back to pending with fresh attempts (ops' retry); only rows still in `from`. */
export async function requeueDeliveries(
  db: Db,
  ids: readonly number[],
  from: 'failed' | 'bounced' = 'failed',
): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const r = await db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: null, updated_at: now() })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('status', '=', from)
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

/** A failed, bounced or retrying delivery with its reader's address: what failure reports read. */
export interface FailureRow {
  id: number;
  batch_no: number;
  status: DeliveryStatus;
  smtp_code: number | null;
  smtp_response: string | null;
  attempts: number;
  email: string;
}

/** A page of a campaign's deliveries in `statuses`, in id order after `afterId`: flat memory at any size. */
export async function deliveriesInStatusPage(
  db: Db,
  campaignId: number,
  statuses: readonly DeliveryStatus[],
  afterId: number,
  limit: number,
): Promise<FailureRow[]> {
  return db
    .selectFrom('deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select([
      'd.id as id',
      'd.batch_no as batch_no',
      'd.status as status',
      'd.smtp_code as smtp_code',
      'd.smtp_response as smtp_response',
      'd.attempts as attempts',
      's.email_normalized as email',
    ])
    .where('d.campaign_id', '=', campaignId)
    .where('d.status', 'in', statuses)
    .where('d.id', '>', afterId)
    .orderBy('d.id')
    .limit(limit)
    .execute();
}

/** How many deliveries took 1, 2, … attempts (rows never tried are left out). */
export async function attemptsHistogram(db: Db, campaignId: number): Promise<Array<[number, number]>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['attempts', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('attempts', '>', 0)
    .groupBy('attempts')
    .orderBy('attempts')
    .execute();
  return rows.map((r) => [r.attempts, Number(r.n)]);
}

export async function policyRejections(
  db: Db,
  campaignId: number,
): Promise<{ attempted: number; policy: number }> {
  const row = await db
    .selectFrom('deliveries')
    .select([
      (eb) => eb.fn.countAll<string | number>().as('attempted'),
      (eb) =>
        eb.fn
          .sum<string | number | null>(
            eb.case().when('smtp_response', 'like', '5__ 5.7.%').then(1).else(0).end(),
          )
          .as('policy'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('attempts', '>', 0)
    .executeTakeFirst();
  return { attempted: Number(row?.attempted ?? 0), policy: Number(row?.policy ?? 0) };
}

/** A list's active, unsuppressed readers after `afterId`: who a campaign is sent to (select what you need). */
function audienceAfter(db: Db, listId: number, afterId: number) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('subscribers as s', 's.id', 'm.subscriber_id')
    .leftJoin('suppressions as x', 'x.email_normalized', 's.email_normalized')
    .where('m.list_id', '=', listId)
    .where('m.status', '=', 'active')
    .where('m.subscriber_id', '>', afterId)
    .where('x.email_normalized', 'is', null);
}

/** A page of a list's active, unsuppressed subscriber ids after `afterId`. */
export async function audiencePage(
  db: Db,
  listId: number,
  afterId: number,
  limit: number,
): Promise<number[]> {
  const rows = await audienceAfter(db, listId, afterId)
    .select('m.subscriber_id as id')
    .orderBy('m.subscriber_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * One page of the audience snapshot, done inside the database: the next `limit` active,
 * unsuppressed readers of the list after `afterId` become pending deliveries numbered into batches
 * (`numbered` rows came before them), with nothing but two numbers coming back to JavaScript. Rows
 * already there (an interrupted snapshot resumed) are left alone. Returns how many readers the page
 * held and the last one's id, or null when there are none left.
 */
export async function snapshotAudiencePage(
  db: Db,
  o: {
    campaignId: number;
    listId: number;
    afterId: number;
    limit: number;
    numbered: number;
    batchSize: number;
  },
): Promise<{ count: number; lastId: number } | null> {
  const page = audienceAfter(db, o.listId, o.afterId)
    .select('m.subscriber_id as id')
    .orderBy('m.subscriber_id')
    .limit(o.limit);
  const bounds = await db
    .selectFrom(page.as('p'))
    .select([(eb) => eb.fn.countAll<string | number>().as('n'), (eb) => eb.fn.max('p.id').as('last')])
    .executeTakeFirst();
  const count = Number(bounds?.n ?? 0);
  if (!count || bounds?.last == null) return null;
  const lastId = Number(bounds.last);
  await db
    .insertInto('deliveries')
    .columns(['campaign_id', 'subscriber_id', 'batch_no', 'status', 'attempts', 'updated_at'])
    .expression(
      audienceAfter(db, o.listId, o.afterId)
        .where('m.subscriber_id', '<=', lastId)
        .select([
          sql<number>`cast(${o.campaignId} as integer)`.as('campaign_id'),
          'm.subscriber_id',
          sql<number>`cast((cast(${o.numbered} as integer) + row_number() over (order by m.subscriber_id) - 1) / cast(${o.batchSize} as integer) + 1 as integer)`.as(
            'batch_no',
          ),
          sql<string>`${'pending'}`.as('status'),
          sql<number>`0`.as('attempts'),
          sql<string>`${now()}`.as('updated_at'),
        ]),
    )
    .onConflict((oc) => oc.columns(['campaign_id', 'subscriber_id']).doNothing())
    .execute();
  return { count, lastId };
}

/** Cancelling: every delivery not yet sent is skipped; returns how many. */
export async function markSkippedPending(db: Db, campaignId: number, reason: string): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ status: 'skipped', smtp_response: reason, updated_at: now() })
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', ['pending', 'retrying'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * A paused campaign's refused rows for these readers go back to pending with their attempt given
 * back, so a resume sends them (after `numero bounces undo`). Returns how many.
 */
export async function reopenRefused(
  db: Db,
  campaignId: number,
  subscriberIds: readonly number[],
): Promise<number> {
  let n = 0;
  for (let i = 0; i < subscriberIds.length; i += 500) {
    const r = await db
      .updateTable('deliveries')
      .set({
        status: 'pending',
        smtp_code: null,
        smtp_response: null,
        next_attempt_at: null,
        updated_at: new Date().toISOString(),
      })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'bounced')
      .where('subscriber_id', 'in', subscriberIds.slice(i, i + 500))
      .executeTakeFirst();
    n += Number(r.numUpdatedRows ?? 0);
  }
  return n;
}
