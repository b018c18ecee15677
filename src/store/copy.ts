import { type Kysely, sql } from 'kysely';
import { NumeroError } from '../errors.ts';
import type { Store } from './db.ts';
import type { Database } from './schema.ts';

type Table = keyof Database;

/**
 * Every table, parents before children (foreign keys hold at each insert), with the key that
 * orders it: pages are read by key (never OFFSET), so a million rows cost a million, not n².
 */
export const TABLES: ReadonlyArray<{ table: Table; key: string[]; page: number }> = [
  { table: 'lists', key: ['id'], page: 1000 },
  { table: 'subscribers', key: ['id'], page: 1000 },
  // A campaign holds its compiled issue (tens of KB): small pages keep memory flat.
  { table: 'campaigns', key: ['id'], page: 20 },
  { table: 'memberships', key: ['list_id', 'subscriber_id'], page: 1000 },
  { table: 'suppressions', key: ['email_normalized'], page: 1000 },
  { table: 'events', key: ['id'], page: 1000 },
  { table: 'deliveries', key: ['id'], page: 1000 },
  // Raw messages are up to a few hundred KB each.
  { table: 'inbound_messages', key: ['id'], page: 50 },
  { table: 'bounce_reports', key: ['id'], page: 1000 },
  { table: 'signups', key: ['id'], page: 1000 },
  { table: 'consents', key: ['id'], page: 1000 },
  { table: 'welcomes', key: ['list_id', 'subscriber_id'], page: 1000 },
  { table: 'campaign_links', key: ['campaign_id', 'position'], page: 1000 },
  { table: 'clicks', key: ['id'], page: 1000 },
  { table: 'opens', key: ['id'], page: 1000 },
];

export type CopyCounts = Record<Table, number>;

/** Rows of every table, to say what a store holds (and that a copy target is empty). */
export async function tableCounts(db: Kysely<Database>): Promise<CopyCounts> {
  const counts = {} as CopyCounts;
  for (const { table } of TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/**
 * Copies a whole store into another, empty one (SQLite → PostgreSQL or back): every list, reader,
 * membership with its status, suppression, event, campaign and delivery, with their ids, so the
 * history reads the same. The target is written in one transaction: a failure leaves it empty.
 * The source is read in one transaction too (a consistent snapshot; on SQLite, writers wait).
 */
export async function copyStore(
  from: Store,
  to: Store,
  onTable?: (table: Table, rows: number) => void,
): Promise<CopyCounts> {
  const present = await tableCounts(to.db);
  const held = Object.entries(present).filter(([, n]) => n > 0);
  if (held.length) {
    throw new NumeroError(
      'USAGE',
      `${to.description} is not empty (${held.map(([t, n]) => `${n} ${t}`).join(', ')}): store copy fills an empty store only, so that nothing there is overwritten or mixed`,
    );
  }
  const counts = {} as CopyCounts;
  const read =
    from.dialect === 'postgres'
      ? from.db.transaction().setIsolationLevel('repeatable read')
      : from.db.transaction();
  await read.execute(async (src) => {
    await to.db.transaction().execute(async (dst) => {
      for (const { table, key, page } of TABLES) {
        counts[table] = await copyTable(src, dst, table, key, page);
        onTable?.(table, counts[table]);
      }
      if (to.dialect === 'postgres') {
        // Rows came with their ids: the sequences must start after them, or the next insert collides.
        for (const table of [
          'lists',
          'subscribers',
          'campaigns',
          'events',
          'deliveries',
          'inbound_messages',
          'bounce_reports',
          'signups',
          'consents',
          'clicks',
          'opens',
        ]) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(
            dst,
          );
        }
      }
    });
  });
  return counts;
}

async function copyTable(
  src: Kysely<Database>,
  dst: Kysely<Database>,
  table: Table,
  key: string[],
  page: number,
): Promise<number> {
  let after: unknown[] | null = null;
  let copied = 0;
  for (;;) {
    let q = src.selectFrom(table).selectAll();
    if (after) {
      const cols = sql.join(key.map((k) => sql.ref(k)));
      const vals = sql.join(after.map((v) => sql.val(v)));
      q = q.where(sql<boolean>`(${cols}) > (${vals})`);
    }
    for (const k of key) q = q.orderBy(sql.ref(k));
    const rows = (await q.limit(page).execute()) as Array<Record<string, unknown>>;
    if (!rows.length) return copied;
    // PostgreSQL refuses NUL in text (SQLite keeps it): say which row stops the copy, copy nothing.
    for (const row of rows)
      for (const [column, v] of Object.entries(row))
        if (typeof v === 'string' && v.includes('\u0000'))
          throw new NumeroError(
            'USAGE',
            `store copy: ${table} ${key.map((k) => `${k}=${String(row[k])}`).join(' ')}: ${column} holds a NUL character, which the target cannot store; nothing was copied. Remove it in the source first`,
          );
    // Rows of the same table, read from the same schema: what they are is what the insert takes.
    try {
      await dst
        .insertInto(table)
        .values(rows as never)
        .execute();
    } catch (e) {
      const first = rows[0] as Record<string, unknown>;
      const at = key.map((k) => `${k}=${String(first[k])}`).join(' ');
      throw new NumeroError(
        'USAGE',
        `store copy: ${table}, the page from ${at} cannot be written to the target (${(e as Error).message.split('\n')[0]?.slice(0, 200)}); nothing was copied`,
        { cause: e },
      );
    }
    copied += rows.length;
    const last = rows[rows.length - 1] as Record<string, unknown>;
    after = key.map((k) => last[k]);
  }
}
