import type { Db } from './audience.ts';
import { type BOUNCE_KINDS, now } from './schema.ts';

/**
 * Typed queries about what comes back: the inbound messages (each recorded once, by digest), the
 * bounce reports read from them (one per recipient, with what numero did), and the figures the
 * campaign's pause rules and the ops pages read.
 */
export type BounceKindRow = (typeof BOUNCE_KINDS)[number];

export async function insertInbound(
  db: Db,
  m: { digest: string; source: string; headers: string; summary: string; raw: string },
): Promise<number | null> {
  const row = await db
    .insertInto('inbound_messages')
    .values({ ...m, received_at: now() })
    .onConflict((oc) => oc.column('digest').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function insertBounceReport(
  db: Db,
  r: {
    inboundId: number;
    kind: BounceKindRow;
    recipient: string | null;
    status: string | null;
    diagnostic: string | null;
    campaignId: number | null;
    subscriberId: number | null;
    action: string;
  },
): Promise<void> {
  await db
    .insertInto('bounce_reports')
    .values({
      inbound_id: r.inboundId,
      kind: r.kind,
      recipient: r.recipient,
      status: r.status,
      diagnostic: r.diagnostic?.slice(0, 500) ?? null,
      campaign_id: r.campaignId,
      subscriber_id: r.subscriberId,
      action: r.action,
      created_at: now(),
    })
    .execute();
}

/** Raw messages older than `keepDays` are cleared (their reports stay). */
export async function clearOldRaw(db: Db, keepDays: number): Promise<void> {
  await db
    .updateTable('inbound_messages')
    .set({ raw: null })
    .where('received_at', '<', new Date(Date.now() - keepDays * 86_400_000).toISOString())
    .where('raw', 'is not', null)
    .execute();
}

/** The campaigns this reader was sent, newest first (at most 50), and those of them that soft-bounced. */
export async function softBounceHistory(
  db: Db,
  subscriberId: number,
): Promise<{ sent: number[]; soft: Set<number | null> }> {
  const sent = await db
    .selectFrom('deliveries')
    .select('campaign_id')
    .where('subscriber_id', '=', subscriberId)
    .where('status', '=', 'sent')
    .orderBy('campaign_id', 'desc')
    .limit(50)
    .execute();
  const soft = await db
    .selectFrom('bounce_reports')
    .select('campaign_id')
    .where('subscriber_id', '=', subscriberId)
    .where('kind', '=', 'soft')
    .execute();
  return { sent: sent.map((s) => s.campaign_id), soft: new Set(soft.map((r) => r.campaign_id)) };
}

/** Messages a campaign handed to the relay, and the distinct readers who hard-bounced or complained. */
export async function readerSignals(
  db: Db,
  campaignId: number,
): Promise<{ submitted: number; hard: number; complaint: number }> {
  const submitted = Number(
    (
      await db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('campaign_id', '=', campaignId)
        .where('status', 'in', ['sent', 'bounced'])
        .executeTakeFirstOrThrow()
    ).n,
  );
  const counts = await db
    .selectFrom('bounce_reports')
    .select(['kind', (eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('kind', 'in', ['hard', 'complaint'])
    .where('subscriber_id', 'is not', null)
    .groupBy('kind')
    .execute();
  const n = (kind: string) => Number(counts.find((c) => c.kind === kind)?.n ?? 0);
  return { submitted, hard: n('hard'), complaint: n('complaint') };
}

export interface BounceReportRow {
  id: number;
  kind: string;
  recipient: string | null;
  status: string | null;
  diagnostic: string | null;
  campaign_id: number | null;
  subscriber_id: number | null;
  action: string;
  created_at: string;
  source: string;
}

/** Reports received, newest first, optionally of one campaign and/or one kind. */
export async function bounceReportsPage(
  db: Db,
  o: { campaignId?: number; kind?: string; unattributed?: boolean; limit: number },
): Promise<BounceReportRow[]> {
  let q = db
    .selectFrom('bounce_reports as b')
    .innerJoin('inbound_messages as m', 'm.id', 'b.inbound_id')
    .select([
      'b.id',
      'b.kind',
      'b.recipient',
      'b.status',
      'b.diagnostic',
      'b.campaign_id',
      'b.subscriber_id',
      'b.action',
      'b.created_at',
      'm.source',
    ])
    .orderBy('b.id', 'desc')
    .limit(o.limit);
  if (o.campaignId !== undefined) q = q.where('b.campaign_id', '=', o.campaignId);
  if (o.kind) q = q.where('b.kind', '=', o.kind as BounceKindRow);
  if (o.unattributed) q = q.where('b.subscriber_id', 'is', null);
  return q.execute();
}

/** Per campaign and kind: reports received, and how many named no reader numero could verify. */
export async function bounceCounts(
  db: Db,
  campaignId: number,
): Promise<Array<{ kind: string; reports: number; readers: number }>> {
  const rows = await db
    .selectFrom('bounce_reports')
    .select([
      'kind',
      (eb) => eb.fn.countAll<string | number>().as('reports'),
      (eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('readers'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, reports: Number(r.reports), readers: Number(r.readers) }));
}

/** A delivery with its reader's address and its campaign's key, as a report is checked against it. */
function deliveriesForReport(db: Db) {
  return db
    .selectFrom('deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .innerJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select([
      'd.id',
      'd.campaign_id',
      'd.subscriber_id',
      'd.message_id',
      'd.status',
      's.email_normalized',
      'c.message_key',
      'c.signed_ids',
      'c.created_at as campaign_created_at',
    ]);
}

export async function deliveryForReport(db: Db, deliveryId: number) {
  return deliveriesForReport(db).where('d.id', '=', deliveryId).executeTakeFirst();
}

/** The delivery a Message-ID names. */
export async function deliveryByMessageId(db: Db, messageId: string) {
  return deliveriesForReport(db).where('d.message_id', '=', messageId).executeTakeFirst();
}

/** The delivery of one campaign to one subscriber (the return path of old named the subscriber). */
export async function deliveryOfSubscriber(db: Db, campaignId: number, subscriberId: number) {
  return deliveriesForReport(db)
    .where('d.campaign_id', '=', campaignId)
    .where('d.subscriber_id', '=', subscriberId)
    .executeTakeFirst();
}

/** The latest delivery handed to the relay for this address since `sinceIso` (a provider's event names only the address). */
export async function latestDeliveryTo(db: Db, emailNormalized: string, sinceIso: string) {
  return deliveriesForReport(db)
    .where('s.email_normalized', '=', emailNormalized)
    .where('d.status', 'in', ['sent', 'bounced'])
    .where('d.sent_at', '>=', sinceIso)
    .orderBy('d.id', 'desc')
    .executeTakeFirst();
}
