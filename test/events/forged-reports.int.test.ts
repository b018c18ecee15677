import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { pollMailboxOnce } from '../../src/events/imap-poller.ts';
import { type InboundSmtp, startInboundSmtp } from '../../src/events/inbound-smtp.ts';
import {
  createList,
  insertMemberships,
  insertSubscribers,
  membership,
  suppressedAmong,
} from '../../src/store/audience.ts';
import { campaignById } from '../../src/store/campaigns.ts';
import { arf, dsn } from '../helpers/bounces.ts';
import { bouncesClient, type Dovecot, startDovecot } from '../helpers/dovecot.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { LEDGER_SECRET, sentCampaign } from '../helpers/ledger.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

/**
 * Issue 24's forgeries, replayed through the real doors (numero's SMTP listener, a Dovecot mailbox
 * polled over IMAP): none changes a reader. A genuine report, and real bounces from the corpus
 * re-addressed to real deliveries, still act.
 */
let t: TestStore | undefined;
let inbound: InboundSmtp | undefined;
let dovecot: Dovecot | null = null;
afterEach(async () => {
  await inbound?.close();
  inbound = undefined;
  await dovecot?.stop();
  dovecot = null;
  await t?.dispose();
  t = undefined;
});

const DOMAIN = 'bounce.lettre.example';
const SETTINGS = { unsubscribeSecret: LEDGER_SECRET, softBounceLimit: 3, keepDays: 30 };

async function world(readers: number) {
  t = await freshStore('sqlite');
  const store = t.store;
  const list = await createList(store.db, 'lecteurs');
  const subs = await insertSubscribers(
    store.db,
    Array.from({ length: readers }, (_, i) => ({
      email: `lecteur${i + 1}@example.org`,
      email_normalized: `lecteur${i + 1}@example.org`,
      name: null,
      attributes: '{}',
    })),
  );
  await insertMemberships(
    store.db,
    subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
  );
  const sent = await sentCampaign(store, {
    listId: list.id,
    subscriberIds: subs.map((s) => s.id),
    bounceDomain: DOMAIN,
    state: 'sending',
  });
  const d = (n: number) => {
    const x = sent.deliveries.find((y) => y.subscriberId === subs[n - 1]?.id);
    if (!x) throw new Error(`no delivery for reader ${n}`);
    return { ...x, email: `lecteur${n}@example.org` };
  };
  const everyoneActive = async () => {
    for (const s of subs) expect(await membership(store.db, list.id, s.id)).toBe('active');
    expect(
      (
        await suppressedAmong(
          store.db,
          subs.map((_, i) => `lecteur${i + 1}@example.org`),
        )
      ).size,
    ).toBe(0);
  };
  return { store, list, subs, sent, d, everyoneActive };
}

async function listener(store: TestStore['store']) {
  inbound = await startInboundSmtp({
    store,
    settings: SETTINGS,
    host: '127.0.0.1',
    port: 0,
    domains: [DOMAIN],
    maxBytes: 200_000,
    maxClients: 5,
    tls: null,
    log: createLogger('forged-test', 'silent'),
  });
  const mx = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inbound.port,
    secure: false,
    ignoreTLS: true,
  });
  return (to: string, raw: Buffer | string) =>
    mx.sendMail({ envelope: { from: 'MAILER-DAEMON@attacker.example', to: [to] }, raw });
}

/** A MAC of the right shape that numero never made. */
const GUESSED = 'abcdefghijklmnop';

async function unattributedCount(reason: string): Promise<number> {
  const m = (await register.getSingleMetric('numero_inbound_reports_unattributed_total')?.get()) as
    | { values: Array<{ labels: Record<string, string>; value: number }> }
    | undefined;
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('reports nobody but the reader’s own mail server could send (real SMTP listener)', () => {
  it('every forged bounce and complaint is recorded unattributed and changes nobody; the genuine one acts', async () => {
    const w = await world(12);
    const send = await listener(w.store);
    const c = w.sent.campaignId;
    const before = await unattributedCount('bad_mac');

    // 1. A DSN to the unsubscribe mailbox, naming a reader, no return path, no Message-ID.
    await send(
      `unsubscribe+anything@${DOMAIN}`,
      dsn({ rcpt: 'lecteur1@example.org', status: '5.1.1', diag: '550 5.1.1 unknown' }),
    );
    // 2. The return path of old, for a campaign that never existed, with a matching address.
    await send(
      `bounces+999.${w.subs[1]?.id}@${DOMAIN}`,
      dsn({ rcpt: 'lecteur2@example.org', status: '5.1.1', diag: '550 5.1.1 unknown' }),
    );
    // 3. A signed-looking return path for reader 3's delivery with a guessed MAC.
    await send(
      `bounces+${c}.${w.d(3).deliveryId}.${GUESSED}@${DOMAIN}`,
      dsn({ rcpt: w.d(3).email, status: '5.1.1', diag: '550 5.1.1 unknown' }),
    );
    // 4. Reader 4's own, genuine return path, but the DSN names reader 5.
    await send(w.d(4).returnPath, dsn({ rcpt: w.d(5).email, status: '5.1.1', diag: '550 5.1.1 unknown' }));
    // 5. A DSN with no Final-Recipient and a guessed Message-ID for reader 6's delivery.
    await send(
      `bounces@${DOMAIN}`.replace('bounces@', `bounces+${c}.${w.d(6).deliveryId}.${GUESSED}@`),
      Buffer.from(
        dsn({
          rcpt: 'x',
          status: '5.1.1',
          diag: '550 5.1.1 unknown',
          originalId: `<numero.c${c}.d${w.d(6).deliveryId}.${GUESSED}@lettre.example.org>`,
        })
          .toString()
          .replace(/Final-Recipient: rfc822; x\r\n/, ''),
      ),
    );
    // 6. Ten ARF complaints with guessed Message-IDs (readers 7 to 12, and some twice).
    for (let i = 0; i < 10; i++) {
      const n = 7 + (i % 6);
      await send(
        `bounces+${c}.${w.d(n).deliveryId}.${GUESSED}@${DOMAIN}`,
        arf(w.d(n).email, `<numero.c${c}.d${w.d(n).deliveryId}.${GUESSED}@lettre.example.org>`)
          .toString()
          .replace('Subject: complaint', `Subject: complaint ${i}`),
      );
    }
    // 7. An ARF for a Message-ID numero never made, naming someone in Original-Rcpt-To.
    await send(
      `bounces+${c}.${w.d(8).deliveryId}.${GUESSED}@${DOMAIN}`,
      arf('lecteur8@example.org', '<random@elsewhere.example>'),
    );

    await w.everyoneActive();
    expect((await campaignById(w.store.db, c))?.state).toBe('sending'); // no forged complaint paused it
    const reports = await w.store.db
      .selectFrom('bounce_reports')
      .select(['action', 'subscriber_id', 'campaign_id'])
      .execute();
    expect(reports.length).toBeGreaterThanOrEqual(16);
    for (const r of reports) {
      expect(r.subscriber_id).toBeNull();
      expect(r.campaign_id).toBeNull();
      expect(r.action).toMatch(/^unattributed: /);
    }
    expect(await unattributedCount('bad_mac')).toBeGreaterThanOrEqual(before + 11);

    // The genuine DSN: reader 4's own return path, naming reader 4.
    await send(
      w.d(4).returnPath,
      dsn({ rcpt: w.d(4).email, status: '5.1.1', diag: '550 5.1.1 <lecteur4@example.org>: User unknown' }),
    );
    expect(await membership(w.store.db, w.list.id, w.d(4).subscriberId)).toBe('bounced');
    // A genuine complaint with the reader's Message-ID, even with the recipient redacted.
    await send(
      w.d(5).returnPath,
      arf('redacted@example.org', w.d(5).messageId)
        .toString()
        .replace(/Original-Rcpt-To: .*\r\n/, '')
        .replace('To: redacted@example.org', 'To: redacted'),
    );
    expect(await membership(w.store.db, w.list.id, w.d(5).subscriberId)).toBe('complained');
  });

  it('real bounces from 20 kinds of mail server, re-addressed to real deliveries, act as they should', async () => {
    const corpus = path.join(ROOT, 'test/fixtures/corpora/bounces-sisimai');
    const expected = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as Array<{
      file: string;
      kind: string;
      recipient: string | null;
    }>;
    // One single-address hard bounce per kind of mail server.
    const files = expected.filter(
      (e, _i, all) => e.kind === 'hard' && e.recipient && all.filter((x) => x.file === e.file).length === 1,
    );
    const perFamily = new Map<string, (typeof files)[number]>();
    for (const e of files) {
      const family = e.file.replace(/-\d+\.eml$/, '');
      if (!perFamily.has(family)) perFamily.set(family, e);
    }
    const picked = [...perFamily.values()].slice(0, 20);
    expect(picked.length).toBe(20);
    const w = await world(picked.length);
    const send = await listener(w.store);
    for (const [i, e] of picked.entries()) {
      const raw = fs.readFileSync(path.join(corpus, 'eml', e.file)).toString('latin1');
      const rcpt = e.recipient ?? '';
      // The reader's address wherever the report named the failed one (any letter case).
      const readdressed = raw.replace(
        new RegExp(rcpt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'),
        w.d(i + 1).email,
      );
      await send(w.d(i + 1).returnPath, Buffer.from(readdressed, 'latin1'));
    }
    const statuses = await Promise.all(
      picked.map((_, i) => membership(w.store.db, w.list.id, w.d(i + 1).subscriberId)),
    );
    expect(statuses.filter((s) => s === 'bounced').length).toBe(picked.length);
  });
});

describe('the polled bounce mailbox (a real Dovecot)', () => {
  it('a forged DSN dropped in the mailbox changes nobody; the genuine one acts', async () => {
    dovecot = await startDovecot();
    if (!dovecot) throw new Error('dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)');
    const w = await world(3);
    const client = await bouncesClient(dovecot);
    await client.append(
      'INBOX',
      dsn({
        rcpt: w.d(1).email,
        status: '5.1.1',
        diag: '550 5.1.1 unknown',
        to: `bounces+999.${w.d(1).subscriberId}@${DOMAIN}`,
      }),
    );
    await client.append(
      'INBOX',
      dsn({
        rcpt: w.d(2).email,
        status: '5.1.1',
        diag: '550 5.1.1 unknown',
        to: `bounces+${w.sent.campaignId}.${w.d(2).deliveryId}.${GUESSED}@${DOMAIN}`,
      }),
    );
    await client.append(
      'INBOX',
      dsn({ rcpt: w.d(3).email, status: '5.1.1', diag: '550 5.1.1 unknown', to: w.d(3).returnPath }),
    );
    // 20 MB once sat in the store from one message: now anything over INBOUND_MAX_BYTES is left unread.
    await client.append('INBOX', `Subject: big\r\n\r\n${'x'.repeat(300_000)}\r\n`);
    await client.logout();
    const r = await pollMailboxOnce({
      maxBytes: 100_000,
      url: dovecot.url('bounces'),
      doneMailbox: 'numero-processed',
      store: w.store,
      settings: SETTINGS,
      log: createLogger('imap-forged', 'silent'),
    });
    expect(r).toMatchObject({ handled: 3, tooBig: 1, left: 0 });
    expect((await w.store.db.selectFrom('inbound_messages').select('id').execute()).length).toBe(3);
    expect(await membership(w.store.db, w.list.id, w.d(1).subscriberId)).toBe('active');
    expect(await membership(w.store.db, w.list.id, w.d(2).subscriberId)).toBe('active');
    expect(await membership(w.store.db, w.list.id, w.d(3).subscriberId)).toBe('bounced');
  });
});
