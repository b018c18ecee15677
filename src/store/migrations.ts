import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Versioned migrations, run in order on every start (Kysely's Migrator records which ran).
 * Never edit one that has shipped: add the next.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const id = dialect === 'postgres' ? 'serial' : 'integer';
  const autoId = (db: Kysely<unknown>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()));

  return {
    '001_audience': {
      async up(db: Kysely<unknown>) {
        await autoId(db, 'lists')
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('lang', 'text', (c) => c.notNull().defaultTo('fr'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await autoId(db, 'subscribers')
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('memberships')
          .addColumn('list_id', 'integer', (c) => c.notNull().references('lists.id').onDelete('cascade'))
          .addColumn('subscriber_id', 'integer', (c) =>
            c.notNull().references('subscribers.id').onDelete('cascade'),
          )
          .addColumn('status', 'text', (c) =>
            c.notNull().check(sql`status in ('active', 'unsubscribed', 'bounced', 'complained')`),
          )
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['list_id', 'subscriber_id'])
          .execute();
        await db.schema
          .createIndex('memberships_list_status')
          .on('memberships')
          .columns(['list_id', 'status', 'subscriber_id'])
          .execute();
        await db.schema
          .createTable('suppressions')
          .addColumn('email_normalized', 'text', (c) => c.primaryKey())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await autoId(db, 'events')
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('list_id', 'integer')
          .addColumn('subscriber_id', 'integer')
          .addColumn('campaign_id', 'text')
          .addColumn('reason', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('events_subscriber')
          .on('events')
          .columns(['subscriber_id', 'id'])
          .execute();
      },
    },
    '002_campaigns': {
      async up(db: Kysely<unknown>) {
        await autoId(db, 'campaigns')
          .addColumn('issue_file', 'text', (c) => c.notNull())
          .addColumn('issue_slug', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('list_id', 'integer', (c) => c.notNull().references('lists.id'))
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('state_reason', 'text')
          .addColumn('compiled', 'text', (c) => c.notNull())
          .addColumn('batch_size', 'integer', (c) => c.notNull())
          .addColumn('batches', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('scheduled_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('campaigns_issue_list')
          .on('campaigns')
          .columns(['issue_slug', 'list_id'])
          .execute();
        await autoId(db, 'deliveries')
          .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id'))
          .addColumn('subscriber_id', 'integer', (c) => c.notNull().references('subscribers.id'))
          .addColumn('batch_no', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('message_id', 'text')
          .addColumn('smtp_code', 'integer')
          .addColumn('smtp_response', 'text')
          .addColumn('claimed_at', 'text')
          .addColumn('next_attempt_at', 'text')
          .addColumn('sent_at', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('deliveries_campaign_subscriber', ['campaign_id', 'subscriber_id'])
          .execute();
        await db.schema
          .createIndex('deliveries_campaign_batch')
          .on('deliveries')
          .columns(['campaign_id', 'batch_no', 'status'])
          .execute();
        await db.schema
          .createIndex('deliveries_campaign_status')
          .on('deliveries')
          .columns(['campaign_id', 'status'])
          .execute();
      },
    },
    '003_suppression_source': {
      async up(db: Kysely<unknown>) {
        // Where a suppression came from (smtp, import, ops…) and the campaign that caused it, for ops.
        await db.schema.alterTable('suppressions').addColumn('source', 'text').execute();
        await db.schema.alterTable('suppressions').addColumn('campaign_id', 'text').execute();
        await db.schema.createIndex('suppressions_created').on('suppressions').column('created_at').execute();
      },
    },
    '004_campaign_message_key': {
      async up(db: Kysely<unknown>) {
        // A random part of every Message-ID of the campaign: IDs stay stable across a delivery's
        // retries but never repeat across installations or database resets (Gmail drops repeats).
        await db.schema.alterTable('campaigns').addColumn('message_key', 'text').execute();
      },
    },
    '005_case_insensitive_addresses': {
      // Addresses now compare without letter case (Jean@x.fr is jean@x.fr): see mergeCaseDuplicates.
      up: (db: Kysely<unknown>) => mergeCaseDuplicates(db as Kysely<Database>),
    },
    '006_inbound': {
      async up(db: Kysely<unknown>) {
        // Every message that came back (DSN, ARF, auto-reply, mailto unsubscribe, webhook event),
        // once: the digest is unique, so a second copy changes nothing.
        await autoId(db, 'inbound_messages')
          .addColumn('digest', 'text', (c) => c.notNull().unique())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('headers', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull())
          /** The raw message, base64, kept BOUNCE_KEEP_DAYS then cleared. */
          .addColumn('raw', 'text')
          .addColumn('received_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('inbound_received')
          .on('inbound_messages')
          .column('received_at')
          .execute();
        // What each message said about each recipient, and what numero did about it.
        await autoId(db, 'bounce_reports')
          .addColumn('inbound_id', 'integer', (c) => c.notNull().references('inbound_messages.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('recipient', 'text')
          .addColumn('status', 'text')
          .addColumn('diagnostic', 'text')
          .addColumn('campaign_id', 'integer')
          .addColumn('subscriber_id', 'integer')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('bounce_reports_campaign')
          .on('bounce_reports')
          .columns(['campaign_id', 'kind', 'subscriber_id'])
          .execute();
        await db.schema
          .createIndex('bounce_reports_subscriber')
          .on('bounce_reports')
          .columns(['subscriber_id', 'kind', 'campaign_id'])
          .execute();
      },
    },
    '007_signed_delivery_ids': {
      async up(db: Kysely<unknown>) {
        // 1 for campaigns whose Message-IDs and return paths carry a per-delivery MAC
        // (src/_shared/delivery-ids.ts); older campaigns keep 0 and their reports are matched strictly.
        await db.schema
          .alterTable('campaigns')
          .addColumn('signed_ids', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // A report names a delivery by id: find the reader's latest delivery for provider webhooks.
        await db.schema
          .createIndex('deliveries_subscriber_campaign')
          .on('deliveries')
          .columns(['subscriber_id', 'campaign_id'])
          .execute();
      },
    },
    '008_signup': {
      async up(db: Kysely<unknown>) {
        // A list may be offered on the signup form (public) and asks a confirmation (optin) or not.
        await db.schema
          .alterTable('lists')
          .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('lists')
          .addColumn('optin', 'text', (c) => c.notNull().defaultTo('double'))
          .execute();
        await db.schema.alterTable('lists').addColumn('welcome', 'text').execute();
        // The welcome numéro compiled when it was set (JSON of the CompiledIssue): sent as it was then.
        await db.schema.alterTable('lists').addColumn('welcome_compiled', 'text').execute();
        // One welcome per reader and list, claimed before SMTP like a delivery.
        await db.schema
          .createTable('welcomes')
          .addColumn('list_id', 'integer', (c) => c.notNull().references('lists.id').onDelete('cascade'))
          .addColumn('subscriber_id', 'integer', (c) =>
            c.notNull().references('subscribers.id').onDelete('cascade'),
          )
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('welcomes_pk', ['list_id', 'subscriber_id'])
          .execute();
        // A signup waiting for its confirmation: not a reader yet, never in a campaign.
        await autoId(db, 'signups')
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('email_normalized', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('list_ids', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text', (c) => c.notNull())
          .addColumn('lang', 'text', (c) => c.notNull())
          .addColumn('form', 'text', (c) => c.notNull())
          .addColumn('consent_text', 'text', (c) => c.notNull())
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('confirm_status', 'text', (c) => c.notNull().defaultTo('queued'))
          .addColumn('confirm_message_id', 'text')
          .addColumn('confirm_sent_at', 'text')
          .addColumn('confirmed_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('signups_email').on('signups').columns(['email_normalized']).execute();
        await db.schema.createIndex('signups_ip').on('signups').columns(['ip', 'created_at']).execute();
        await db.schema
          .createIndex('signups_status')
          .on('signups')
          .columns(['confirm_status', 'created_at'])
          .execute();
        // What a reader agreed to, when, where from: the proof of consent (GDPR art. 7(1)).
        await autoId(db, 'consents')
          .addColumn('subscriber_id', 'integer', (c) =>
            c.notNull().references('subscribers.id').onDelete('cascade'),
          )
          .addColumn('list_ids', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('form', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('asked_at', 'text', (c) => c.notNull())
          .addColumn('given_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('consents_subscriber')
          .on('consents')
          .columns(['subscriber_id'])
          .execute();
      },
    },
    '009_engagement': {
      async up(db: Kysely<unknown>) {
        // What a list measures of its readers (src/engagement/): '' (nothing, the default), or a
        // comma list of clicks | clicks-per-reader and opens. A campaign keeps its list's at creation.
        await db.schema
          .alterTable('lists')
          .addColumn('tracking', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('campaigns')
          .addColumn('tracking', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        // The links a tracked campaign rewrote, in the order of the issue: /r/ redirects only there.
        await db.schema
          .createTable('campaign_links')
          .addColumn('campaign_id', 'integer', (c) =>
            c.notNull().references('campaigns.id').onDelete('cascade'),
          )
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('campaign_links_pk', ['campaign_id', 'position'])
          .execute();
        // One row per click or image load. `message_key` tells one message from another (random,
        // or the delivery with clicks-per-reader); `delivery_id` only with clicks-per-reader, until
        // TRACKING_RETENTION_DAYS. `machine` is 1 for scanners, proxies and prefetchers, with why.
        for (const table of ['clicks', 'opens']) {
          let t = autoId(db, table)
            .addColumn('campaign_id', 'integer', (c) =>
              c.notNull().references('campaigns.id').onDelete('cascade'),
            )
            .addColumn('at', 'text', (c) => c.notNull())
            .addColumn('machine', 'integer', (c) => c.notNull())
            .addColumn('why', 'text')
            .addColumn('message_key', 'text', (c) => c.notNull())
            .addColumn('delivery_id', 'integer');
          if (table === 'clicks') t = t.addColumn('position', 'integer', (c) => c.notNull());
          await t.execute();
          await db.schema.createIndex(`${table}_campaign`).on(table).columns(['campaign_id', 'at']).execute();
          await db.schema.createIndex(`${table}_delivery`).on(table).columns(['delivery_id']).execute();
        }
      },
    },
  };
}

/**
 * Re-normalises addresses to lower case. Two subscribers that now share an address become one: the
 * oldest keeps its address as first given and gains the other's list memberships; where both were on
 * a list, a standing other than active wins (the reader's choice to leave is never undone). The
 * newer one keeps its history (deliveries, events) but no membership, under a key that cannot match
 * an address, so it is never sent to. Suppressions are lower-cased the same way, the oldest kept.
 */
async function mergeCaseDuplicates(db: Kysely<Database>): Promise<void> {
  const mixed = await db
    .selectFrom('subscribers')
    .select(['id', 'email_normalized'])
    .where(sql<boolean>`email_normalized <> lower(email_normalized)`)
    .orderBy('id')
    .execute();
  for (const s of mixed) {
    const target = s.email_normalized.toLowerCase();
    const keeper = await db
      .selectFrom('subscribers')
      .select('id')
      .where('email_normalized', '=', target)
      .executeTakeFirst();
    if (!keeper) {
      await db.updateTable('subscribers').set({ email_normalized: target }).where('id', '=', s.id).execute();
      continue;
    }
    const [older, newer] = keeper.id < s.id ? [keeper.id, s.id] : [s.id, keeper.id];
    const moving = await db
      .selectFrom('memberships')
      .selectAll()
      .where('subscriber_id', '=', newer)
      .execute();
    for (const m of moving) {
      const there = await db
        .selectFrom('memberships')
        .select('status')
        .where('list_id', '=', m.list_id)
        .where('subscriber_id', '=', older)
        .executeTakeFirst();
      if (!there) {
        await db
          .updateTable('memberships')
          .set({ subscriber_id: older })
          .where('list_id', '=', m.list_id)
          .where('subscriber_id', '=', newer)
          .execute();
      } else if (there.status === 'active' && m.status !== 'active') {
        await db
          .updateTable('memberships')
          .set({ status: m.status, source: m.source, updated_at: m.updated_at })
          .where('list_id', '=', m.list_id)
          .where('subscriber_id', '=', older)
          .execute();
      }
    }
    await db.deleteFrom('memberships').where('subscriber_id', '=', newer).execute();
    // Keep the older row's address; park the newer one under a key no address can equal.
    await db
      .updateTable('subscribers')
      .set({ email_normalized: `${target}#merged-into-${older}` })
      .where('id', '=', newer)
      .execute();
    await db.updateTable('subscribers').set({ email_normalized: target }).where('id', '=', older).execute();
  }
  const suppressions = await db
    .selectFrom('suppressions')
    .select(['email_normalized', 'created_at'])
    .where(sql<boolean>`email_normalized <> lower(email_normalized)`)
    .orderBy('created_at')
    .execute();
  for (const s of suppressions) {
    const target = s.email_normalized.toLowerCase();
    const there = await db
      .selectFrom('suppressions')
      .select('created_at')
      .where('email_normalized', '=', target)
      .executeTakeFirst();
    if (there && there.created_at <= s.created_at) {
      await db.deleteFrom('suppressions').where('email_normalized', '=', s.email_normalized).execute();
      continue;
    }
    if (there) await db.deleteFrom('suppressions').where('email_normalized', '=', target).execute();
    await db
      .updateTable('suppressions')
      .set({ email_normalized: target })
      .where('email_normalized', '=', s.email_normalized)
      .execute();
  }
}
