import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { NumeroError } from '../errors.ts';
import {
  type Database,
  type EventType,
  MEMBERSHIP_STATUSES,
  type MembershipStatus,
  now,
  type SuppressionsTable,
} from './schema.ts';

/** Typed queries about lists, subscribers, memberships, suppressions and events. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface List {
  id: number;
  name: string;
  lang: string;
}

export async function createList(db: Db, name: string, lang = 'fr'): Promise<List> {
  if (!/^[\w.-]{1,64}$/.test(name)) {
    throw new NumeroError(
      'USAGE',
      `list name "${name}": use letters, digits, dot, dash or underscore (at most 64)`,
    );
  }
  const existing = await findList(db, name);
  if (existing) throw new NumeroError('USAGE', `list "${name}" already exists`);
  const row = await db
    .insertInto('lists')
    .values({ name, lang, created_at: now() })
    .returning(['id', 'name', 'lang'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function findList(db: Db, name: string): Promise<List | undefined> {
  return db.selectFrom('lists').select(['id', 'name', 'lang']).where('name', '=', name).executeTakeFirst();
}

export async function findListById(db: Db, id: number): Promise<List | undefined> {
  return db.selectFrom('lists').select(['id', 'name', 'lang']).where('id', '=', id).executeTakeFirst();
}

export async function requireList(db: Db, name: string): Promise<List> {
  const list = await findList(db, name);
  if (!list)
    throw new NumeroError('USAGE', `no list "${name}" (create it with: numero lists create ${name})`);
  return list;
}

export type ListCounts = List & Record<MembershipStatus, number> & { total: number };

export async function listCounts(db: Db): Promise<ListCounts[]> {
  const lists = await db.selectFrom('lists').select(['id', 'name', 'lang']).orderBy('name').execute();
  const rows = await db
    .selectFrom('memberships')
    .select(['list_id', 'status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy(['list_id', 'status'])
    .execute();
  return lists.map((l) => {
    const counts = Object.fromEntries(MEMBERSHIP_STATUSES.map((s) => [s, 0])) as Record<
      MembershipStatus,
      number
    >;
    for (const r of rows) if (r.list_id === l.id) counts[r.status] = Number(r.n);
    return { ...l, ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
}

export interface SubscriberRow {
  id: number;
  email: string;
  email_normalized: string;
  name: string | null;
  attributes: string;
}

export async function subscribersByNormalized(
  db: Db,
  normalized: readonly string[],
): Promise<SubscriberRow[]> {
  if (!normalized.length) return [];
  return db
    .selectFrom('subscribers')
    .select(['id', 'email', 'email_normalized', 'name', 'attributes'])
    .where('email_normalized', 'in', normalized)
    .execute();
}

export async function membershipsOf(
  db: Db,
  listId: number,
  subscriberIds: readonly number[],
): Promise<Map<number, MembershipStatus>> {
  if (!subscriberIds.length) return new Map();
  const rows = await db
    .selectFrom('memberships')
    .select(['subscriber_id', 'status'])
    .where('list_id', '=', listId)
    // Naming every status lets the (list_id, status, subscriber_id) index seek each id instead of
    // scanning the whole list, which SQLite's planner would otherwise do (quadratic imports).
    .where('status', 'in', MEMBERSHIP_STATUSES)
    .where('subscriber_id', 'in', subscriberIds)
    .execute();
  return new Map(rows.map((r) => [r.subscriber_id, r.status]));
}

/** How many of these subscribers are members of a list other than `listId`. */
export async function onOtherLists(
  db: Db,
  listId: number,
  subscriberIds: readonly number[],
): Promise<number> {
  if (!subscriberIds.length) return 0;
  const rows = await db
    .selectFrom('memberships')
    .select('subscriber_id')
    .distinct()
    .where('list_id', '<>', listId)
    .where('subscriber_id', 'in', subscriberIds)
    .execute();
  return rows.length;
}

/** How every forgotten reader's suppression key starts (forgottenKey). */
const FORGOTTEN_PREFIX = 'sha256:';

/**
 * Which of these addresses are suppressed, and why: by their address, or by the hash a forgotten
 * reader's suppression is kept as (src/audience/forget.ts).
 */
export async function suppressedAmong(db: Db, normalized: readonly string[]): Promise<Map<string, string>> {
  if (!normalized.length) return new Map();
  // An import's pages ask by thousands: there the hashes are computed and asked for only when some
  // reader was forgotten at all (hashing and asking twice the keys cost an import 10–14 % of its
  // speed, measured at 300,000 rows). A LIKE, not a range on the key: under an ICU collation
  // "sha256:…" does not sort between "sha256:" and "sha256;", and a missed hash would let a
  // forgotten reader back in.
  const hashes =
    normalized.length < 100 ||
    (await db
      .selectFrom('suppressions')
      .select('email_normalized')
      .where('email_normalized', 'like', `${FORGOTTEN_PREFIX}%`)
      .limit(1)
      .executeTakeFirst()) !== undefined;
  const byKey = new Map<string, string>();
  for (const n of normalized) {
    byKey.set(n, n);
    if (hashes) byKey.set(forgottenKey(n), n);
  }
  const found = new Map<string, string>();
  const keys = [...byKey.keys()];
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = await db
      .selectFrom('suppressions')
      .select(['email_normalized', 'reason'])
      .where('email_normalized', 'in', keys.slice(i, i + 5000))
      .execute();
    for (const r of rows) {
      const address = byKey.get(r.email_normalized);
      if (address) found.set(address, r.reason);
    }
  }
  return found;
}

/** How a forgotten address is kept in `suppressions`: `sha256:` and the hash of the normalised address. */
export function forgottenKey(normalized: string): string {
  return `${FORGOTTEN_PREFIX}${createHash('sha256').update(`numero-forget-v1|${normalized}`).digest('hex')}`;
}

export async function insertSubscribers(
  db: Db,
  rows: ReadonlyArray<{ email: string; email_normalized: string; name: string | null; attributes: string }>,
): Promise<Array<{ id: number; email_normalized: string }>> {
  if (!rows.length) return [];
  const at = now();
  return db
    .insertInto('subscribers')
    .values(rows.map((r) => ({ ...r, created_at: at, updated_at: at })))
    .returning(['id', 'email_normalized'])
    .execute();
}

export async function updateSubscriber(
  db: Db,
  id: number,
  values: { name: string | null; attributes: string },
) {
  await db
    .updateTable('subscribers')
    .set({ ...values, updated_at: now() })
    .where('id', '=', id)
    .execute();
}

export async function insertMemberships(
  db: Db,
  rows: ReadonlyArray<{ list_id: number; subscriber_id: number; status: MembershipStatus; source: string }>,
): Promise<void> {
  if (!rows.length) return;
  const at = now();
  await db
    .insertInto('memberships')
    .values(rows.map((r) => ({ ...r, created_at: at, updated_at: at })))
    .execute();
}

/** Moves a membership from one of `from` to `to`; returns false (and changes nothing) otherwise. */
export async function transitionMembership(
  db: Db,
  listId: number,
  subscriberId: number,
  from: readonly MembershipStatus[],
  to: MembershipStatus,
  source?: string,
): Promise<boolean> {
  const result = await db
    .updateTable('memberships')
    .set({ status: to, updated_at: now(), ...(source ? { source } : {}) })
    .where('list_id', '=', listId)
    .where('subscriber_id', '=', subscriberId)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface EventInput {
  type: EventType;
  list_id: number | null;
  subscriber_id: number | null;
  campaign_id?: string | null;
  reason: string | null;
}

export async function insertEvents(db: Db, events: readonly EventInput[]): Promise<void> {
  if (!events.length) return;
  const at = now();
  for (let i = 0; i < events.length; i += 500) {
    await db
      .insertInto('events')
      .values(events.slice(i, i + 500).map((e) => ({ campaign_id: null, ...e, created_at: at })))
      .execute();
  }
}

export async function eventsOf(db: Db, subscriberId: number) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('id')
    .execute();
}

export async function suppress(
  db: Db,
  emailNormalized: string,
  reason: string,
  detail: string | null,
  from: { source?: string; campaignId?: string | null } = {},
): Promise<boolean> {
  const r = await db
    .insertInto('suppressions')
    .values({
      email_normalized: emailNormalized,
      reason,
      detail,
      source: from.source ?? null,
      campaign_id: from.campaignId ?? null,
      created_at: now(),
    })
    .onConflict((oc) => oc.column('email_normalized').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteSuppression(db: Db, emailNormalized: string): Promise<string | null> {
  const row = await db
    .deleteFrom('suppressions')
    .where('email_normalized', '=', emailNormalized)
    .returning('reason')
    .executeTakeFirst();
  return row?.reason ?? null;
}

export type SuppressionRow = Selectable<SuppressionsTable>;

/** Suppressions newest first, optionally those whose address contains `search`. */
export async function suppressionsPage(
  db: Db,
  o: { search?: string | undefined; limit: number; offset?: number },
): Promise<SuppressionRow[]> {
  let q = db
    .selectFrom('suppressions')
    .select(['email_normalized', 'reason', 'detail', 'source', 'campaign_id', 'created_at']);
  const term = o.search?.trim().toLowerCase();
  if (term) {
    const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`email_normalized like ${pattern} escape '\\'`);
  }
  return q
    .orderBy('created_at', 'desc')
    .orderBy('email_normalized')
    .limit(o.limit)
    .offset(o.offset ?? 0)
    .execute();
}

/** Every list membership of one subscriber that is in one of `statuses`. */
export async function membershipsInStatus(
  db: Db,
  subscriberId: number,
  statuses: readonly MembershipStatus[],
): Promise<Array<{ list_id: number; status: MembershipStatus }>> {
  return db
    .selectFrom('memberships')
    .select(['list_id', 'status'])
    .where('subscriber_id', '=', subscriberId)
    .where('status', 'in', statuses)
    .execute();
}

export interface MemberRow {
  id: number;
  email: string;
  name: string | null;
  attributes: string;
  status: MembershipStatus;
  /** When and how the status last changed (import, cli, link, one-click, smtp…). */
  status_changed_at: string;
  status_source: string;
}

/** A page of a list's members in subscriber id order, after `afterId`: memory stays flat at any size. */
export async function membersPage(
  db: Db,
  listId: number,
  afterId: number,
  limit: number,
  status?: MembershipStatus,
): Promise<MemberRow[]> {
  let q = db
    .selectFrom('memberships as m')
    .innerJoin('subscribers as s', 's.id', 'm.subscriber_id')
    .select([
      's.id as id',
      's.email as email',
      's.name as name',
      's.attributes as attributes',
      'm.status as status',
      'm.updated_at as status_changed_at',
      'm.source as status_source',
    ])
    .where('m.list_id', '=', listId)
    .where('s.id', '>', afterId);
  if (status) q = q.where('m.status', '=', status);
  return q.orderBy('s.id').limit(limit).execute();
}

export async function membership(
  db: Db,
  listId: number,
  subscriberId: number,
): Promise<MembershipStatus | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select('status')
    .where('list_id', '=', listId)
    .where('subscriber_id', '=', subscriberId)
    .executeTakeFirst();
  return row?.status;
}

/** A few real readers (active on some list) for the editor's preview. */
export async function previewSubscribers(db: Db, limit = 20): Promise<SubscriberRow[]> {
  return db
    .selectFrom('subscribers as s')
    .select(['s.id', 's.email', 's.email_normalized', 's.name', 's.attributes'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('memberships as m')
          .select('m.list_id')
          .whereRef('m.subscriber_id', '=', 's.id')
          .where('m.status', '=', 'active'),
      ),
    )
    .orderBy('s.id')
    .limit(limit)
    .execute();
}

/** The latest event of `type` for a reader on a list, if any. */
export async function lastEvent(
  db: Db,
  listId: number,
  subscriberId: number,
  type: EventType,
): Promise<{ reason: string | null; created_at: string } | undefined> {
  return db
    .selectFrom('events')
    .select(['reason', 'created_at'])
    .where('subscriber_id', '=', subscriberId)
    .where('list_id', '=', listId)
    .where('type', '=', type)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function subscriberById(db: Db, id: number): Promise<SubscriberRow | undefined> {
  return db
    .selectFrom('subscribers')
    .select(['id', 'email', 'email_normalized', 'name', 'attributes'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Addresses a campaign's bounces suppressed (reason `bounced`), with the reply that did it. */
export async function bouncedByCampaign(db: Db, campaignId: number): Promise<SuppressionRow[]> {
  return db
    .selectFrom('suppressions')
    .selectAll()
    .where('campaign_id', '=', String(campaignId))
    .where('reason', '=', 'bounced')
    .orderBy('created_at')
    .execute();
}

/** Lifts a suppression only when it is a bounce's (a complaint, an operator's or an import's stays). */
export async function deleteBounceSuppression(db: Db, emailNormalized: string): Promise<boolean> {
  const r = await db
    .deleteFrom('suppressions')
    .where('email_normalized', '=', emailNormalized)
    .where('reason', '=', 'bounced')
    .executeTakeFirst();
  return Number(r.numDeletedRows ?? 0) > 0;
}
