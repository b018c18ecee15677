import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unsubscribe } from '../../src/audience/membership.ts';
import { controlCampaign, queueCampaign } from '../../src/cli/send-run.ts';
import { listen } from '../../src/server/listen.ts';
import { publicApp } from '../../src/server/public/app.ts';
import { membership, suppressedAmong } from '../../src/store/audience.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import {
  createHarness,
  type Harness,
  ISSUE,
  receivedPerReader,
  SECRET,
  sendIssue,
} from '../helpers/send-harness.ts';
import { BACKENDS } from '../helpers/stores.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const send = sendIssue;

describe.each(BACKENDS)('numero send, end to end on %s (real redis-server, SMTP server)', (backend) => {
  it('delivers exactly one personalised message to each of 2,000 readers, with the headers, and one-click works', async () => {
    h = await createHarness({ backend, readers: 2000 });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.startWorker(); // two workers on the same queue
    await h.waitForState(queued.campaign.id, ['sent']);

    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(2000);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    expect(h.sink.messages).toHaveLength(2000);

    const reader = h.readers[41];
    const msg = h.sink.messages.find((m) => m.envelope.to[0] === reader?.email);
    if (!msg || !reader) throw new Error('message for reader 42 not found');
    const hd = msg.parsed.headers;
    expect(msg.parsed.subject).toBe(
      'Numéro 37\u00A0: Alem.ai, le rail Dostyk–Moïynty et la pomme du Tian Shan',
    );
    expect(msg.parsed.html).toContain(`Bonjour Prénom${42},`);
    expect(msg.parsed.text).toContain(`Bonjour Prénom${42},`);
    const mac = /^<numero\.c\d+\.d\d+\.([a-z2-7]{16})@bruxelles-korner\.example>$/.exec(
      msg.parsed.messageId ?? '',
    )?.[1];
    expect(mac).toBeDefined();
    // One MAC names the delivery in its Message-ID and its return path.
    expect(msg.envelope.from).toMatch(
      new RegExp(`^bounces\\+${queued.campaign.id}\\.\\d+\\.${mac}@bruxelles-korner\\.example$`),
    );
    expect(msg.raw.toString()).toMatch(/^List-Id: <lecteurs\.bruxelles-korner\.example>\r$/m);
    expect(hd.get('x-campaign-id')).toBe(String(queued.campaign.id));
    expect(hd.get('x-subscriber-id')).toBe(String(reader.id));
    expect(msg.raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    const listUnsub = String(
      msg.raw.toString().match(/^List-Unsubscribe:\s*([\s\S]*?)\r\n(?=\S)/m)?.[1],
    ).replace(/\r\n\s+/g, ' ');
    const url = /<(https:\/\/lettre\.example\.org\/unsubscribe\/[^>]+)>/.exec(listUnsub)?.[1];
    expect(listUnsub).toContain('<mailto:unsubscribe+');
    expect(url).toBeDefined();

    // The mail client's one-click: POST to the header's URL, on the real public server.
    const server = await listen(
      publicApp({ store: h.store, secret: SECRET, defaultLang: 'fr', rateLimitPerMinute: 100 }),
      0,
      '127.0.0.1',
    );
    try {
      const res = await fetch(`${server.url}${new URL(url ?? '').pathname}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        redirect: 'manual',
      });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
    expect(await membership(h.store.db, h.listId, reader.id)).toBe('unsubscribed');
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts).toMatchObject({ sent: 2000, pending: 0, sending: 0, failed: 0 });
    // 2,000 messages on a loaded 2-core machine: waitForState fails only when sending stalls; this
    // bounds the whole.
  }, 300_000);

  it('refuses to send the same issue to the same list twice, and queues nothing', async () => {
    h = await createHarness({ backend, readers: 30 });
    const first = await send(h);
    await first.close();
    await h.startWorker();
    await h.waitForState(first.campaign.id, ['sent']);
    await expect(send(h)).rejects.toThrow(
      /already sent to list lecteurs: campaign 1 \(sent\)\. Nothing was queued\. Use --again/,
    );
    const w = await h.startWorker();
    await w.reconcile();
    expect(h.sink.messages).toHaveLength(30);
  });

  it('does not send to a reader who unsubscribed after the campaign was queued', async () => {
    h = await createHarness({ backend, readers: 60 });
    const queued = await send(h);
    await queued.close();
    const gone = h.readers.slice(10, 13);
    for (const r of gone)
      await unsubscribe(h.store.db, { listId: h.listId, subscriberId: r.id, campaignId: null }, 'link');
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(57);
    for (const r of gone) expect(per.has(r.email)).toBe(false);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 57, skipped: 3 });
  });

  it('bounces and suppresses 5.1.1 user-unknown addresses, never retries them, and the next campaign skips them', async () => {
    const unknown = new Set(['lecteur3@example.org', 'lecteur17@example.org']);
    h = await createHarness({
      backend,
      readers: 40,
      sink: {
        behaviour: (rcpt) => (unknown.has(rcpt) ? { code: 550, message: '5.1.1 <user> User unknown' } : null),
      },
    });
    const first = await send(h);
    await first.close();
    await h.startWorker();
    await h.waitForState(first.campaign.id, ['sent']);
    expect(await deliveryCounts(h.store.db, first.campaign.id)).toMatchObject({
      sent: 38,
      bounced: 2,
      retrying: 0,
      failed: 0,
    });
    for (const u of unknown) expect(h.sink.attempts.get(u)).toBe(1);
    expect([...(await suppressedAmong(h.store.db, [...unknown])).keys()].sort()).toEqual([...unknown].sort());

    const second = await send(h, true);
    await second.close();
    expect(second.campaign.total).toBe(38);
    await h.waitForState(second.campaign.id, ['sent']);
    for (const u of unknown) expect(h.sink.attempts.get(u)).toBe(1);
  });

  it('pauses the campaign and says why when 5.7.x policy rejections pile up, without suppressing anyone', async () => {
    h = await createHarness({
      backend,
      readers: 120,
      sink: {
        behaviour: () => ({
          code: 550,
          message: '5.7.1 Message rejected: DMARC policy of the sending domain',
        }),
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker({ SEND_CONCURRENCY: '1' });
    await h.waitForState(queued.campaign.id, ['paused']);
    const campaign = await h.store.db.selectFrom('campaigns').select(['state_reason']).executeTakeFirst();
    expect(campaign?.state_reason).toMatch(
      /^paused by numero: \d+ of \d+ attempts \(100 %\) were refused for policy or authentication \(SMTP 5\.7\.x\)/,
    );
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts.pending).toBeGreaterThan(0); // the rest waits for the operator
    expect(
      (
        await suppressedAmong(
          h.store.db,
          h.readers.map((r) => r.email),
        )
      ).size,
    ).toBe(0);
  });

  it('--at holds every message until the scheduled time', async () => {
    h = await createHarness({ backend, readers: 30 });
    await h.startWorker();
    const at = new Date(Date.now() + 2_500);
    const queued = await queueCampaign(h.config, {
      file: path.relative(process.cwd(), ISSUE),
      list: 'lecteurs',
      at,
      again: false,
    });
    await queued.close();
    expect(queued.campaign.state).toBe('queued');
    await h.waitForState(queued.campaign.id, ['sent']);
    expect(h.sink.messages).toHaveLength(30);
    expect(Math.min(...h.sink.messages.map((m) => m.at))).toBeGreaterThanOrEqual(at.getTime());
  });

  it('lets ops retry failed deliveries without resending the others', async () => {
    const stubborn = new Set(['lecteur4@example.org', 'lecteur9@example.org']);
    h = await createHarness({
      backend,
      readers: 20,
      env: { SEND_MAX_ATTEMPTS: '2' },
      sink: {
        behaviour: (rcpt) =>
          stubborn.has(rcpt) ? { code: 451, message: '4.3.0 Temporary local problem' } : null,
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 18, failed: 2 });
    for (const r of stubborn) expect(h.sink.attempts.get(r)).toBe(2);

    h.sink.setBehaviour(undefined); // the receiving side is fixed
    await controlCampaign(h.config, 'retry', queued.campaign.id);
    await h.waitForState(queued.campaign.id, ['sent']);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(20);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 20, failed: 0 });
  });

  it('retries a reader alone after a 421 on 20 % of first attempts: everyone gets it once, attempts counted', async () => {
    h = await createHarness({
      backend,
      readers: 200,
      sink: {
        behaviour: (rcpt, attempt) =>
          attempt === 1 && Number(/\d+/.exec(rcpt)?.[0]) % 5 === 0
            ? { code: 421, message: '4.4.2 Connection dropped, try again' }
            : null,
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(200);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    const attempts = await h.store.db
      .selectFrom('deliveries')
      .select(['attempts', (eb) => eb.fn.countAll<number>().as('n')])
      .where('campaign_id', '=', queued.campaign.id)
      .groupBy('attempts')
      .orderBy('attempts')
      .execute();
    expect(attempts.map((a) => [a.attempts, Number(a.n)])).toEqual([
      [1, 160],
      [2, 40],
    ]);
  });
});
