import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeEverywhere, recordBounce } from '../../src/audience/membership.ts';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { processInbound } from '../../src/events/pipeline.ts';
import { suppressedAmong } from '../../src/store/audience.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { numero } from '../helpers/cli.ts';
import { createHarness, type Harness, ISSUE, SECRET } from '../helpers/send-harness.ts';

/**
 * The failure policy end to end, on a real SMTP relay that refuses the sender in the three ways
 * relays do: at MAIL FROM (a sender domain that does not resolve), at RCPT for every reader (a
 * blocklisted IP), and at DATA (content). Each time the campaign pauses and says why, and no
 * reader's standing changes.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const DOMAINS = ['example.org', 'example.net', 'exemple.fr', 'beispiel.de', 'ejemplo.es', 'esempio.it'];

const send = (harness: Harness) =>
  queueCampaign(harness.config, {
    file: path.relative(process.cwd(), ISSUE),
    list: 'lecteurs',
    at: null,
    again: false,
  });

/** Every reader still active on the list, nobody suppressed, no bounce event. */
async function nobodyHarmed(harness: Harness) {
  const db = harness.store.db;
  const statuses = await db.selectFrom('memberships').select('status').execute();
  expect(statuses.every((m) => m.status === 'active')).toBe(true);
  expect(
    (
      await suppressedAmong(
        db,
        harness.readers.map((r) => r.email),
      )
    ).size,
  ).toBe(0);
  const events = await db
    .selectFrom('events')
    .select('type')
    .where('type', 'in', ['bounced', 'suppressed'])
    .execute();
  expect(events).toEqual([]);
}

describe('a relay that refuses the sender never costs a reader (real SMTP relay)', () => {
  it('553 5.1.8 at MAIL FROM: the campaign pauses at the first message, nobody is marked, campaign show says why', async () => {
    h = await createHarness({
      readers: 200,
      domainOf: (n) => DOMAINS[n % DOMAINS.length] as string,
      sink: {
        mailFrom: (from) => ({
          code: 553,
          message: `5.1.8 <${from}>: Sender address rejected: Domain not found`,
        }),
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['paused']);
    await nobodyHarmed(h);
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts.bounced ?? 0).toBe(0);
    expect(counts.sent ?? 0).toBe(0);
    const show = await numero(['campaign', 'show', String(queued.campaign.id)], h.env);
    expect(show.stdout).toMatch(
      /paused by numero: the relay refused the sender, not the readers \(.*5\.1\.8/,
    );
  });

  it('550 5.7.1 "blocked using" at RCPT for every reader: paused, nobody marked', async () => {
    h = await createHarness({
      readers: 120,
      domainOf: (n) => DOMAINS[n % DOMAINS.length] as string,
      env: { SEND_CONCURRENCY: '4' },
      sink: {
        rcptTo: () => ({
          code: 550,
          message: '5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org',
        }),
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['paused']);
    await nobodyHarmed(h);
    const c = await h.store.db.selectFrom('campaigns').select('state_reason').executeTakeFirstOrThrow();
    expect(c.state_reason).toMatch(/^paused by numero: /);
    expect(c.state_reason).toMatch(/5\.7\.1|blocked using/);
  });

  it('550 5.1.1 "user unknown" worded alike for 20+ readers at 5+ domains in a row is the sender’s', async () => {
    // The relay's own wording for every recipient: no mailbox provider answers every domain alike.
    h = await createHarness({
      readers: 100,
      domainOf: (n) => DOMAINS[n % DOMAINS.length] as string,
      env: { SEND_CONCURRENCY: '4' },
      sink: { rcptTo: () => ({ code: 550, message: '5.1.1 Recipient rejected: unknown user' }) },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['paused']);
    await nobodyHarmed(h);
    const c = await h.store.db.selectFrom('campaigns').select('state_reason').executeTakeFirstOrThrow();
    expect(c.state_reason).toMatch(/the same reply came for 20\+ readers at \d+ domains in a row/);
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts.bounced ?? 0).toBe(0);
  });

  it('554 5.7.1 at DATA: paused for policy rejections, nobody marked', async () => {
    h = await createHarness({
      readers: 120,
      sink: { behaviour: () => ({ code: 554, message: '5.7.1 Message rejected: spam content detected' }) },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker({ SEND_CONCURRENCY: '1' });
    await h.waitForState(queued.campaign.id, ['paused']);
    await nobodyHarmed(h);
  });

  it('a few dead addresses among live ones are each the reader’s own: suppressed, the rest sent', async () => {
    const dead = new Set(['lecteur3@beispiel.de', 'lecteur7@example.net']);
    h = await createHarness({
      readers: 30,
      domainOf: (n) => DOMAINS[n % DOMAINS.length] as string,
      sink: {
        rcptTo: (rcpt) =>
          dead.has(rcpt)
            ? { code: 550, message: `5.1.1 <${rcpt}>: Recipient address rejected: User unknown` }
            : null,
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    expect(
      [
        ...(
          await suppressedAmong(
            h.store.db,
            h.readers.map((r) => r.email),
          )
        ).keys(),
      ].sort(),
    ).toEqual([...dead].sort());
    expect(h.sink.messages).toHaveLength(28);
  });
});

describe('one effect whatever the door', () => {
  it('a reader hard-bounced during the send and one hard-bounced by a DSN end in the same state', async () => {
    h = await createHarness({ readers: 4 });
    const db = h.store.db;
    const second = (
      await db
        .insertInto('lists')
        .values({ name: 'autre', lang: 'fr', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const [a, b] = h.readers as [Harness['readers'][number], Harness['readers'][number]];
    for (const r of [a, b])
      await db
        .insertInto('memberships')
        .values({
          list_id: second,
          subscriber_id: r.id,
          status: 'active',
          source: 'test',
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        })
        .execute();
    const dead = new Set([a.email]);
    h.sink.setBehaviour((rcpt) => (dead.has(rcpt) ? { code: 550, message: '5.1.1 User unknown' } : null));
    // A: refused at DATA by the relay during the send.
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    // B: a DSN from the reader's server, for the delivery numero made.
    const delivery = await db
      .selectFrom('deliveries')
      .select(['message_id'])
      .where('subscriber_id', '=', b.id)
      .executeTakeFirstOrThrow();
    const dsn = [
      'From: MAILER-DAEMON@mx.example.org',
      'To: bounces@lettre.example.org',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=B',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${b.email}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${delivery.message_id}`,
      `To: ${b.email}`,
      '',
      '--B--',
      '',
    ].join('\r\n');
    const r = await processInbound(
      h.store,
      { raw: Buffer.from(dsn), source: 'smtp' },
      { unsubscribeSecret: SECRET, softBounceLimit: 3, keepDays: 30 },
    );
    expect(r.reports[0]?.kind).toBe('hard');
    const state = async (id: number) =>
      (
        await db
          .selectFrom('memberships')
          .select(['list_id', 'status'])
          .where('subscriber_id', '=', id)
          .orderBy('list_id')
          .execute()
      ).map((m) => m.status);
    expect(await state(a.id)).toEqual(['bounced', 'bounced']);
    expect(await state(b.id)).toEqual(await state(a.id));
    const sup = await suppressedAmong(db, [a.email, b.email]);
    expect([...sup.values()]).toEqual(['bounced', 'bounced']);
  });
});

describe('numero bounces undo', () => {
  it('restores readers an older numero marked bounced for the sender’s fault, and only those', async () => {
    h = await createHarness({ readers: 6 });
    const db = h.store.db;
    const queued = await send(h);
    await queued.close();
    const campaignId = String(queued.campaign.id);
    const [r1, r2, r3, r4] = h.readers as Array<Harness['readers'][number]>;
    if (!r1 || !r2 || !r3 || !r4) throw new Error('four readers');
    const who = (r: Harness['readers'][number]) => ({
      listId: h?.listId ?? 0,
      subscriberId: r.id,
      campaignId,
      emailNormalized: r.email,
    });
    // As the synchronous path of 42d0996 did: one list, suppressed, for a reply about the sender.
    const wrong = '553 5.1.8 <bounces@lettre.example.org>: Sender address rejected: Domain not found';
    await recordBounce(db, who(r1), { detail: wrong, source: 'smtp' });
    await recordBounce(db, who(r2), { detail: wrong, source: 'smtp' });
    // A real dead address of the same campaign, and a reader who left by themselves.
    await closeEverywhere(db, {
      subscriberId: r3.id,
      emailNormalized: r3.email,
      campaignId,
      kind: 'bounced',
      reason: 'bounced',
      detail: '5.1.1 User unknown',
      source: 'smtp bounce',
    });
    await db
      .updateTable('memberships')
      .set({ status: 'unsubscribed' })
      .where('subscriber_id', '=', r4.id)
      .execute();

    const dry = await numero(
      ['bounces', 'undo', '--campaign', campaignId, '--code', '5.1.8', '--dry-run'],
      h.env,
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: 2 reader\(s\) of campaign \d+ would be restored/);
    expect((await suppressedAmong(db, [r1.email, r2.email])).size).toBe(2);

    const undo = await numero(['bounces', 'undo', '--campaign', campaignId, '--code', '5.1.8'], h.env);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(/2 reader\(s\) of campaign \d+ restored: 2 list membership\(s\) reopened/);
    const status = async (id: number) =>
      (
        await db
          .selectFrom('memberships')
          .select('status')
          .where('subscriber_id', '=', id)
          .executeTakeFirstOrThrow()
      ).status;
    expect(await status(r1.id)).toBe('active');
    expect(await status(r2.id)).toBe('active');
    expect(await status(r3.id)).toBe('bounced');
    expect(await status(r4.id)).toBe('unsubscribed');
    expect([
      ...(
        await suppressedAmong(
          db,
          h.readers.map((r) => r.email),
        )
      ).keys(),
    ]).toEqual([r3.email]);
    const events = await db
      .selectFrom('events')
      .select(['subscriber_id', 'reason'])
      .where('type', '=', 'unsuppressed')
      .execute();
    expect(events.map((e) => e.subscriber_id).sort()).toEqual([r1.id, r2.id].sort());
    expect(events[0]?.reason).toMatch(/bounces undo, campaign \d+ code 5\.1\.8/);

    const bad = await numero(['bounces', 'undo', '--campaign', campaignId, '--code', 'x'], h.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--code x: an enhanced status code/);
  });
});
