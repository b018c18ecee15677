import { afterEach, describe, expect, it } from 'vitest';
import { processInbound } from '../../src/events/pipeline.ts';
import {
  createList,
  insertMemberships,
  insertSubscribers,
  membership,
  suppressedAmong,
} from '../../src/store/audience.ts';
import { campaignById, insertCampaign } from '../../src/store/campaigns.ts';
import type { Store } from '../../src/store/db.ts';
import { insertDeliveries } from '../../src/store/deliveries.ts';
import { arf, dsn } from '../helpers/bounces.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const SETTINGS = { unsubscribeSecret: undefined, softBounceLimit: 3, keepDays: 30 };
const email = (n: number) => `lecteur${n}@example.org`;
const messageId = (c: number, n: number) => `<numero.c${c}.d${n}.key@lettre.example>`;

/** A list of `readers`, and `campaigns` campaigns sent to all of them (ledger rows with Message-IDs). */
async function world(store: Store, readers: number, campaigns: number, state: 'sent' | 'sending' = 'sent') {
  const list = await createList(store.db, 'lecteurs');
  const subs = await insertSubscribers(
    store.db,
    Array.from({ length: readers }, (_, i) => ({
      email: email(i + 1),
      email_normalized: email(i + 1),
      name: null,
      attributes: '{}',
    })),
  );
  await insertMemberships(
    store.db,
    subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
  );
  const ids: number[] = [];
  for (let c = 1; c <= campaigns; c++) {
    const id = await insertCampaign(store.db, {
      issue_file: 'issues/x.md',
      issue_slug: `n${c}`,
      content_hash: 'h',
      list_id: list.id,
      subject: 'Numéro',
      state,
      compiled: '{}',
      batch_size: 100,
      provider: 'default',
      scheduled_at: null,
      message_key: 'key',
    });
    ids.push(id);
    await insertDeliveries(
      store.db,
      subs.map((s) => ({ campaign_id: id, subscriber_id: s.id, batch_no: 0 })),
    );
    for (const s of subs) {
      await store.db
        .updateTable('deliveries')
        .set({ status: 'sent', message_id: messageId(id, s.id) })
        .where('campaign_id', '=', id)
        .where('subscriber_id', '=', s.id)
        .execute();
    }
  }
  return { list, subs, campaigns: ids };
}

describe.each(BACKENDS)('the inbound pipeline on %s', (backend) => {
  it('a campaign with 1 % complaints pauses itself, with the reason; 0.17 % does not', async () => {
    t = await freshStore(backend);
    const store = t.store;
    const { subs, campaigns } = await world(store, 600, 1, 'sending');
    const id = campaigns[0] ?? 0;
    const complain = (i: number) =>
      processInbound(
        store,
        { raw: arf(email(i + 1), messageId(id, subs[i]?.id ?? 0)), source: 'test' },
        SETTINGS,
      );
    const first = await complain(0);
    expect(first.reports[0]).toMatchObject({
      kind: 'complaint',
      action: 'suppressed; complained on 1 list(s)',
    });
    expect(first.paused).toEqual([]);
    expect((await campaignById(t.store.db, id))?.state).toBe('sending');
    for (let i = 1; i < 6; i++) await complain(i);
    const c = await campaignById(t.store.db, id);
    expect(c?.state).toBe('paused');
    expect(c?.state_reason).toMatch(
      /^paused by numero: 2 complaints for 600 messages submitted \(0\.33 %, above 0\.3 %\)/,
    );
  });

  it('soft bounces suppress after SOFT_BOUNCE_LIMIT in a row; a clean campaign in between resets the run', async () => {
    t = await freshStore(backend);
    const store = t.store;
    const { subs, campaigns } = await world(store, 2, 4);
    const [a, b] = subs;
    const soft = (n: number, sub: number, c: number) =>
      processInbound(
        store,
        {
          raw: dsn({
            rcpt: email(n),
            status: '5.2.2',
            diag: '552 5.2.2 Mailbox full',
            originalId: messageId(c, sub),
          }),
          source: 'test',
        },
        SETTINGS,
      );
    const [c1, c2, c3, c4] = campaigns as [number, number, number, number];
    // Reader a: soft on campaigns 2, 3 and 4 in a row: suppressed at the third.
    expect((await soft(1, a?.id ?? 0, c2)).reports[0]?.action).toMatch(/counted/);
    expect((await soft(1, a?.id ?? 0, c3)).reports[0]?.action).toMatch(/counted/);
    const third = await soft(1, a?.id ?? 0, c4);
    expect(third.reports[0]?.action).toBe('suppressed after 3 soft bounces in a row; bounced on 1 list(s)');
    expect((await suppressedAmong(t.store.db, [email(1)])).get(email(1))).toBe('bounced');
    // Reader b: soft on 1, 2 and 4, but 3 came back clean: never three in a row.
    await soft(2, b?.id ?? 0, c1);
    await soft(2, b?.id ?? 0, c2);
    expect((await soft(2, b?.id ?? 0, c4)).reports[0]?.action).toMatch(/counted \(1 soft bounce/);
    expect((await suppressedAmong(t.store.db, [email(2)])).size).toBe(0);
  });

  it('a policy bounce never suppresses; a forged return path naming another reader changes nothing; a copy changes nothing', async () => {
    t = await freshStore(backend);
    const { list, subs, campaigns } = await world(t.store, 3, 1);
    const c = campaigns[0] ?? 0;
    const policy = await processInbound(
      t.store,
      {
        raw: dsn({
          rcpt: email(1),
          status: '5.7.1',
          diag: '554 5.7.1 blocked using zen.spamhaus.org',
          originalId: messageId(c, subs[0]?.id ?? 0),
        }),
        source: 'test',
      },
      SETTINGS,
    );
    expect(policy.reports[0]).toMatchObject({
      kind: 'policy',
      action: expect.stringMatching(/^counted against the campaign/),
    });
    expect(await membership(t.store.db, list.id, subs[0]?.id ?? 0)).toBe('active');

    // Someone mails a DSN to reader 2's return path, but about reader 3's address.
    const forged = dsn({
      rcpt: email(3),
      status: '5.1.1',
      diag: '550 5.1.1 unknown',
      to: `bounces+${c}.${subs[1]?.id}@bounce.lettre.example`,
    });
    const r = await processInbound(t.store, { raw: forged, source: 'test' }, SETTINGS);
    expect(r.reports[0]?.action).toMatch(
      /^unattributed: reports lecteur3@example\.org, but delivery \d+ went to another reader/,
    );
    for (const s of subs) expect(await membership(t.store.db, list.id, s.id)).toBe('active');
    expect(
      (
        await suppressedAmong(
          t.store.db,
          subs.map((_, i) => email(i + 1)),
        )
      ).size,
    ).toBe(0);

    const real = dsn({
      rcpt: email(2),
      status: '5.1.1',
      diag: '550 5.1.1 unknown',
      to: `bounces+${c}.${subs[1]?.id}@bounce.lettre.example`,
    });
    expect((await processInbound(t.store, { raw: real, source: 'test' }, SETTINGS)).reports[0]?.action).toBe(
      'suppressed; bounced on 1 list(s)',
    );
    const again = await processInbound(t.store, { raw: real, source: 'test' }, SETTINGS);
    expect(again).toMatchObject({ duplicate: true, reports: [] });
    expect((await t.store.db.selectFrom('inbound_messages').select('id').execute()).length).toBe(3);
  });

  it('keeps the raw message BOUNCE_KEEP_DAYS, then clears it (the record and its digest stay)', async () => {
    t = await freshStore(backend);
    await world(t.store, 1, 1);
    const raw = dsn({ rcpt: email(1), status: '4.2.2', diag: '452 4.2.2 full', action: 'delayed' });
    await processInbound(t.store, { raw, source: 'test' }, SETTINGS);
    await t.store.db
      .updateTable('inbound_messages')
      .set({ received_at: new Date(Date.now() - 40 * 86_400_000).toISOString() })
      .execute();
    await processInbound(
      t.store,
      { raw: Buffer.concat([raw, Buffer.from('\r\n')]), source: 'test' },
      SETTINGS,
    );
    const rows = await t.store.db
      .selectFrom('inbound_messages')
      .select(['raw', 'digest'])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.raw === null)).toEqual([true, false]);
    expect(Buffer.from(rows[1]?.raw ?? '', 'base64').toString()).toContain(
      'Final-Recipient: rfc822; lecteur1@example.org',
    );
  });
});
