import os from 'node:os';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
let reopened: Store | undefined;
afterEach(async () => {
  await reopened?.close();
  reopened = undefined;
  await t?.dispose();
  t = undefined;
});

describe.each(BACKENDS)(
  'migration 005 on %s: addresses that differ only in case become one reader',
  (backend) => {
    it('merges memberships (a choice to leave wins), keeps history, lower-cases suppressions', async () => {
      t = await freshStore(backend);
      const db = t.store.db;
      const at = '2026-01-01T00:00:00.000Z';
      // Rows as numero wrote them before addresses were compared without case.
      await db
        .insertInto('lists')
        .values([
          { name: 'a', lang: 'fr', created_at: at },
          { name: 'b', lang: 'fr', created_at: at },
        ])
        .execute();
      const sub = (email: string) => ({
        email,
        email_normalized: email.replace(/@.*/, (d) => d.toLowerCase()),
        name: email,
        attributes: '{}',
        created_at: at,
        updated_at: at,
      });
      await db
        .insertInto('subscribers')
        .values([sub('Jean.Dupont@gmail.com'), sub('jean.dupont@gmail.com'), sub('Solo@example.org')])
        .execute();
      const m = (list_id: number, subscriber_id: number, status: 'active' | 'unsubscribed') => ({
        list_id,
        subscriber_id,
        status,
        source: 'import',
        created_at: at,
        updated_at: at,
      });
      // Jean (1) active on a; jean (2) unsubscribed on a and active on b.
      await db
        .insertInto('memberships')
        .values([m(1, 1, 'active'), m(1, 2, 'unsubscribed'), m(2, 2, 'active')])
        .execute();
      await db
        .insertInto('events')
        .values({
          type: 'unsubscribed',
          list_id: 1,
          subscriber_id: 2,
          campaign_id: '7',
          reason: 'one-click',
          created_at: at,
        })
        .execute();
      await db
        .insertInto('suppressions')
        .values([
          {
            email_normalized: 'Spam@example.org',
            reason: 'complained',
            detail: null,
            source: 'fbl',
            campaign_id: null,
            created_at: at,
          },
          {
            email_normalized: 'spam@example.org',
            reason: 'bounced',
            detail: null,
            source: 'smtp',
            campaign_id: null,
            created_at: '2026-02-01T00:00:00.000Z',
          },
          {
            email_normalized: 'Other@example.org',
            reason: 'ops',
            detail: null,
            source: 'ops',
            campaign_id: null,
            created_at: at,
          },
        ])
        .execute();
      // The store as numero left it before migration 005 (and what came after: 006 and on).
      await sql`drop table if exists bounce_reports`.execute(db);
      await sql`drop table if exists inbound_messages`.execute(db);
      await sql`drop index if exists deliveries_subscriber_campaign`.execute(db);
      await sql`alter table campaigns drop column signed_ids`.execute(db);
      await sql`drop table if exists clicks`.execute(db);
      await sql`drop table if exists opens`.execute(db);
      await sql`drop table if exists campaign_links`.execute(db);
      for (const table of ['lists', 'campaigns'])
        await sql`alter table ${sql.table(table)} drop column tracking`.execute(db);
      await sql`drop table if exists welcomes`.execute(db);
      await sql`drop table if exists consents`.execute(db);
      await sql`drop table if exists signups`.execute(db);
      for (const column of ['public', 'optin', 'welcome', 'welcome_compiled'])
        await sql`alter table lists drop column ${sql.ref(column)}`.execute(db);
      await sql`delete from kysely_migration where name >= '005'`.execute(db);

      // Opening the store (as the next numero process would) runs the migration again.
      reopened = await openStore({ databaseUrl: t.url, dataDir: os.tmpdir() });
      const r = reopened.db;
      const subs = await r
        .selectFrom('subscribers')
        .select(['id', 'email', 'email_normalized'])
        .orderBy('id')
        .execute();
      expect(subs).toEqual([
        { id: 1, email: 'Jean.Dupont@gmail.com', email_normalized: 'jean.dupont@gmail.com' },
        { id: 2, email: 'jean.dupont@gmail.com', email_normalized: 'jean.dupont@gmail.com#merged-into-1' },
        { id: 3, email: 'Solo@example.org', email_normalized: 'solo@example.org' },
      ]);
      const members = await r
        .selectFrom('memberships')
        .select(['list_id', 'subscriber_id', 'status'])
        .orderBy('list_id')
        .execute();
      expect(members).toEqual([
        { list_id: 1, subscriber_id: 1, status: 'unsubscribed' },
        { list_id: 2, subscriber_id: 1, status: 'active' },
      ]);
      expect(await r.selectFrom('events').select('subscriber_id').execute()).toEqual([{ subscriber_id: 2 }]);
      const sup = await r
        .selectFrom('suppressions')
        .select(['email_normalized', 'reason'])
        .orderBy('email_normalized')
        .execute();
      expect(sup).toEqual([
        { email_normalized: 'other@example.org', reason: 'ops' },
        { email_normalized: 'spam@example.org', reason: 'complained' },
      ]);
      const { rows } = await sql<{ n: number }>`select count(*) as n from subscribers`.execute(r);
      expect(Number(rows[0]?.n)).toBe(3);
    });
  },
);
