import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { pollMailboxOnce } from '../../src/events/imap-poller.ts';
import { createList, insertMemberships, insertSubscribers, membership } from '../../src/store/audience.ts';
import { dsn } from '../helpers/bounces.ts';
import { bouncesClient, type Dovecot, startDovecot } from '../helpers/dovecot.ts';
import { LEDGER_SECRET, sentCampaign } from '../helpers/ledger.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
let dovecot: Dovecot | null = null;
afterEach(async () => {
  await dovecot?.stop();
  dovecot = null;
  await t?.dispose();
  t = undefined;
});

/** A hard bounce mailed to a VERP address, as the bounce mailbox receives it. */
const hardBounce = (verp: string, rcpt: string) =>
  dsn({ rcpt, status: '5.1.1', diag: '550 5.1.1 User unknown', to: verp });

describe('the IMAP bounce mailbox (a real Dovecot)', () => {
  it('two pollers at once: each message is acted on once and moved to the done mailbox', async () => {
    dovecot = await startDovecot();
    if (!dovecot) throw new Error('dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)');
    t = await freshStore('sqlite');
    const store = t.store;
    const list = await createList(store.db, 'lecteurs');
    const subs = await insertSubscribers(
      store.db,
      [1, 2, 3].map((n) => ({
        email: `l${n}@example.org`,
        email_normalized: `l${n}@example.org`,
        name: null,
        attributes: '{}',
      })),
    );
    await insertMemberships(
      store.db,
      subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
    );
    const [a, b, c] = subs.map((s) => ({ id: s.id })) as [{ id: number }, { id: number }, { id: number }];

    const url = dovecot.url('bounces');
    const client = await bouncesClient(dovecot);
    const sent = await sentCampaign(store, { listId: list.id, subscriberIds: [a.id, b.id, c.id] });
    const rp = (id: number) => sent.deliveries.find((d) => d.subscriberId === id)?.returnPath ?? '';
    await client.append('INBOX', hardBounce(rp(a.id), 'l1@example.org'));
    await client.append('INBOX', hardBounce(rp(b.id), 'l2@example.org'));
    await client.append(
      'INBOX',
      `From: l3@example.org\r\nTo: ${rp(c.id)}\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n`,
    );

    const settings = { unsubscribeSecret: LEDGER_SECRET, softBounceLimit: 3, keepDays: 30 };
    const log = createLogger('imap-test', 'silent');
    const o = { url, doneMailbox: 'numero-processed', store, settings, log };
    const [one, two] = await Promise.all([pollMailboxOnce(o), pollMailboxOnce(o)]);
    expect(one.left + two.left).toBe(0);
    // Between them every message was read, and handled once (the other reading, if any, was a duplicate).
    expect(one.handled + two.handled).toBe(3);

    expect(await membership(store.db, list.id, a.id)).toBe('bounced');
    expect(await membership(store.db, list.id, b.id)).toBe('bounced');
    expect(await membership(store.db, list.id, c.id)).toBe('active');
    const bouncedEvents = await store.db
      .selectFrom('events')
      .select('subscriber_id')
      .where('type', '=', 'bounced')
      .execute();
    expect(bouncedEvents.map((e) => e.subscriber_id).sort()).toEqual([a.id, b.id].sort());
    expect(
      (await store.db.selectFrom('inbound_messages').select('source').execute()).map((r) => r.source),
    ).toEqual(['imap', 'imap', 'imap']);

    const status = async (box: string) => {
      const st = await client.status(box, { messages: true });
      return st ? st.messages : -1;
    };
    expect(await status('INBOX')).toBe(0);
    expect(await status('numero-processed')).toBe(3);
    expect(await pollMailboxOnce(o)).toEqual({ read: 0, handled: 0, duplicates: 0, left: 0 });
    await client.logout();
  });
});
