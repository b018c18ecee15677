import { type Db, forgottenKey } from './audience.ts';

/**
 * Everything numero stores about one reader, found by their normalised address: the subscriber row,
 * their standing on each list, a suppression, their signups and consents (when, from where, the words
 * they agreed to), the events of their history, each delivery (with the
 * relay's answer), each report that came back about them, and their clicks and opens when a list
 * tracked them per reader. What a reader's access request
 * (GDPR art. 15) is answered with: `numero subscribers show EMAIL`.
 */
export async function readerRecord(db: Db, emailNormalized: string) {
  const subscriber = await db
    .selectFrom('subscribers')
    .selectAll()
    .where('email_normalized', '=', emailNormalized)
    .executeTakeFirst();
  const suppression =
    (await db
      .selectFrom('suppressions')
      .selectAll()
      .where('email_normalized', 'in', [emailNormalized, forgottenKey(emailNormalized)])
      .executeTakeFirst()) ?? null;
  // Signups (pending or done): what the address asked, from where, and whether it confirmed.
  const signups = await db
    .selectFrom('signups')
    .select(['list_ids', 'form', 'ip', 'user_agent', 'confirm_status', 'created_at', 'confirmed_at'])
    .where('email_normalized', '=', emailNormalized)
    .orderBy('id')
    .execute();
  if (!subscriber)
    return {
      subscriber: null,
      lists: [],
      suppression,
      signups,
      consents: [],
      events: [],
      deliveries: [],
      reports: [],
      clicks: [],
      opens: [],
    };
  const id = subscriber.id;
  const lists = await db
    .selectFrom('memberships')
    .innerJoin('lists', 'lists.id', 'memberships.list_id')
    .select([
      'lists.name as list',
      'memberships.status',
      'memberships.source',
      'memberships.created_at',
      'memberships.updated_at',
    ])
    .where('memberships.subscriber_id', '=', id)
    .orderBy('lists.name')
    .execute();
  const events = await db
    .selectFrom('events')
    .leftJoin('lists', 'lists.id', 'events.list_id')
    .select(['events.type', 'lists.name as list', 'events.campaign_id', 'events.reason', 'events.created_at'])
    .where('events.subscriber_id', '=', id)
    .orderBy('events.id')
    .execute();
  const deliveries = await db
    .selectFrom('deliveries')
    .innerJoin('campaigns', 'campaigns.id', 'deliveries.campaign_id')
    .select([
      'deliveries.campaign_id',
      'campaigns.issue_slug',
      'deliveries.status',
      'deliveries.attempts',
      'deliveries.message_id',
      'deliveries.smtp_code',
      'deliveries.smtp_response',
      'deliveries.sent_at',
      'deliveries.updated_at',
    ])
    .where('deliveries.subscriber_id', '=', id)
    .orderBy('deliveries.id')
    .execute();
  const consents = await db
    .selectFrom('consents')
    .select(['list_ids', 'method', 'form', 'text', 'ip', 'user_agent', 'asked_at', 'given_at'])
    .where('subscriber_id', '=', id)
    .orderBy('id')
    .execute();
  // Tracked with clicks-per-reader, and not yet cut loose (TRACKING_RETENTION_DAYS, forget).
  const clicks = await db
    .selectFrom('clicks')
    .leftJoin('campaign_links', (j) =>
      j
        .onRef('campaign_links.campaign_id', '=', 'clicks.campaign_id')
        .onRef('campaign_links.position', '=', 'clicks.position'),
    )
    .select(['clicks.campaign_id', 'clicks.at', 'clicks.machine', 'clicks.why', 'campaign_links.url'])
    .where('clicks.delivery_id', 'in', (eb) =>
      eb.selectFrom('deliveries').select('id').where('subscriber_id', '=', id),
    )
    .orderBy('clicks.id')
    .execute();
  const opens = await db
    .selectFrom('opens')
    .select(['campaign_id', 'at', 'machine', 'why'])
    .where('delivery_id', 'in', (eb) =>
      eb.selectFrom('deliveries').select('id').where('subscriber_id', '=', id),
    )
    .orderBy('id')
    .execute();
  const reports = await db
    .selectFrom('bounce_reports')
    .select(['kind', 'status', 'diagnostic', 'campaign_id', 'action', 'created_at'])
    .where('subscriber_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    subscriber: {
      email: subscriber.email,
      name: subscriber.name,
      attributes: JSON.parse(subscriber.attributes) as Record<string, unknown>,
      created_at: subscriber.created_at,
      updated_at: subscriber.updated_at,
    },
    lists,
    suppression,
    signups,
    consents,
    events,
    deliveries,
    reports,
    clicks,
    opens,
  };
}

export type ReaderRecord = Awaited<ReturnType<typeof readerRecord>>;
