import http from 'node:http';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Listening } from '../../src/server/listen.ts';
import { listen } from '../../src/server/listen.ts';
import { membership, suppressedAmong } from '../../src/store/audience.ts';
import { campaignById } from '../../src/store/campaigns.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { numero } from '../helpers/cli.ts';
import { BEARER, browserFor, logIn, OPS_TOKEN, startOpsServer, until } from '../helpers/ops.ts';
import { createHarness, type Harness, receivedPerReader, sendIssue } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let server: Listening | undefined;
let browser: Browser | undefined;
const others: Listening[] = [];
afterEach(async () => {
  await browser?.close();
  for (const o of others.splice(0)) await o.close();
  await server?.close();
  await h?.dispose();
  h = undefined;
  server = undefined;
  browser = undefined;
});

const send = sendIssue;

/** fetch() may not set Host; node:http may, as a DNS-rebinding page's browser would. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { ...BEARER, Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pages answer within this under any load the CI puts on two cores. */
const POLL = { timeout: 15_000 };

const GREYLIST = { code: 451, message: '4.7.1 Greylisted, please try again later' };

describe('the ops dashboard and campaign show (real worker, Redis, SMTP server, Chromium)', () => {
  it('groups failures by code and domain, and a Retry clicked in the dashboard delivers each of them once', async () => {
    let blocked = true;
    h = await createHarness({
      readers: 60,
      domainOf: (n) => (n % 4 === 0 ? 'lent.example' : 'example.org'),
      env: { SEND_MAX_ATTEMPTS: '2' },
      sink: { behaviour: (rcpt) => (blocked && rcpt.endsWith('@lent.example') ? GREYLIST : null) },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 45, failed: 15 });

    const shown = await numero(['campaign', 'show', String(queued.campaign.id)], h.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /failed\s+451\s+451 4\.7\.1 Greylisted, please try again later: 15\n\s+e\.g\. lecteur4@lent\.example, lecteur8@lent\.example, lecteur12@lent\.example/,
    );
    expect(shown.stdout).toContain('lent.example: 15 (15 failed), e.g. lecteur4@lent.example');
    expect(shown.stdout).toMatch(/ 2 ×\s+15 /); // the attempts histogram
    expect(shown.stdout).toMatch(/ 1 ×\s+45 /);

    server = await startOpsServer(h);
    const b = await browserFor(server.url);
    browser = b.browser;
    const page = b.page;
    expect(await logIn(page, server.url)).toBe(401);
    await page.click(`a[href="/ops/campaigns/${queued.campaign.id}"] >> nth=0`);
    const group = page.locator('#by-reply tr[data-code="451"][data-status="failed"]');
    await expect.poll(() => group.locator('td').nth(3).textContent(), POLL).toBe('15');

    blocked = false; // the receiving side is fixed
    await Promise.all([
      page.waitForURL(`${server.url}/ops/campaigns/${queued.campaign.id}`),
      group.locator('button').click(),
    ]);
    await expect
      .poll(() => page.locator('.notice').textContent(), POLL)
      .toContain('retry done, 15 failed deliveries (code 451) back in line');
    await h.sink.waitFor(60);
    await h.waitForState(queued.campaign.id, ['sent']);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(60);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    for (const r of h.readers)
      expect(h.sink.attempts.get(r.email)).toBe(r.email.endsWith('@lent.example') ? 3 : 1);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 60, failed: 0 });

    // A second retry, from the CLI and from the dashboard's endpoint: nothing to do, and it says so.
    const again = await numero(['campaign', 'retry', String(queued.campaign.id), '--code', '451'], h.env);
    expect(again.stdout).toContain('no failed deliveries (code 451) to retry; nothing done');
    const res = await fetch(`${server.url}/ops/campaigns/${queued.campaign.id}/retry`, {
      method: 'POST',
      headers: { ...BEARER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'code=451',
    });
    expect(((await res.json()) as { message: string }).message).toContain('nothing done');
    const w = await h.startWorker();
    await w.reconcile();
    expect(h.sink.messages).toHaveLength(60);
    expect((await campaignById(h.store.db, queued.campaign.id))?.state).toBe('sent');
  });

  it('refuses every ops page and action without credentials (401) and a cross-site change with the cookie (403); nothing changes', async () => {
    h = await createHarness({
      readers: 20,
      sink: {
        behaviour: (rcpt) =>
          rcpt === 'lecteur3@example.org' ? { code: 550, message: '5.1.1 User unknown' } : null,
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    server = await startOpsServer(h);
    const id = queued.campaign.id;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

    for (const p of [
      '/ops',
      '/ops/',
      '/ops/suppressions',
      `/ops/campaigns/${id}`,
      '/ops/api/campaigns',
      '/ops/queues',
      '/ops/queues/api/queues',
      '/metrics',
    ]) {
      expect([p, (await fetch(server.url + p)).status]).toEqual([p, 401]);
    }
    expect(
      (await fetch(`${server.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    // The dashboard's headers stay on the dashboard: the public pages beside it keep their own.
    expect((await fetch(`${server.url}/ops`)).headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${server.url}/unsubscribe`)).headers.get('x-frame-options')).toBeNull();
    const posts = [
      [`/ops/campaigns/${id}/pause`, ''],
      [`/ops/campaigns/${id}/cancel`, ''],
      [`/ops/campaigns/${id}/retry`, ''],
      ['/ops/suppressions/unsuppress', 'email=lecteur3%40example.org'],
      ['/ops/logout', ''],
    ] as const;
    for (const [p, body] of posts) {
      expect([p, (await fetch(server.url + p, { method: 'POST', headers: form, body })).status]).toEqual([
        p,
        401,
      ]);
    }

    // A real session cookie, then changes without the page's proof or from another origin: 403.
    const login = await fetch(`${server.url}/ops/login`, {
      method: 'POST',
      headers: { ...form, Origin: server.url },
      body: `token=${OPS_TOKEN}&next=/ops`,
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = String(login.headers.get('set-cookie')).split(';')[0] ?? '';
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(login.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect((await fetch(`${server.url}/ops`, { headers: { Cookie: cookie } })).status).toBe(200);
    for (const [p, body] of posts) {
      for (const origin of ['http://evil.example', server.url]) {
        const r = await fetch(server.url + p, {
          method: 'POST',
          headers: { ...form, Cookie: cookie, Origin: origin },
          body,
        });
        expect([p, origin, r.status]).toEqual([p, origin, 403]);
      }
    }
    // A page of this dashboard's, fetched with the cookie, carries the proof; a forged one does not.
    const bad = await fetch(`${server.url}/ops/campaigns/${id}/pause`, {
      method: 'POST',
      headers: { ...form, Cookie: cookie, Origin: server.url },
      body: '_csrf=forged',
    });
    expect(bad.status).toBe(403);
    // A foreign Host (DNS rebinding) reaches nothing.
    expect(await statusWithHost(`${server.url}/ops`, 'rebind.evil.example')).toBe(421);
    expect(await statusWithHost(`${server.url}/metrics`, 'rebind.evil.example:8080')).toBe(421);

    // A real browser, logged in, visits a page of another origin that posts to the dashboard.
    const attacker = new Hono().get('/', (c) =>
      c.html(
        `<form id="f" method="post" action="${server?.url}/ops/campaigns/${id}/cancel"></form><script>document.getElementById('f').submit()</script>`,
      ),
    );
    const evil = await listen(attacker, 0, '127.0.0.1');
    others.push(evil);
    const b = await browserFor(server.url, evil.url);
    browser = b.browser;
    await logIn(b.page, server.url);
    const answer = b.page.waitForResponse((r) => r.url().endsWith(`/ops/campaigns/${id}/cancel`));
    await b.page.goto(evil.url);
    expect((await answer).status()).toBe(403);

    expect((await campaignById(h.store.db, id))?.state).toBe('sent');
    expect((await suppressedAmong(h.store.db, ['lecteur3@example.org'])).size).toBe(1);
    expect(
      await h.store.db.selectFrom('events').select('type').where('type', '=', 'unsuppressed').execute(),
    ).toEqual([]);
  });

  it('pauses from the dashboard: submissions stop in the middle of a batch (at the SMTP server); resume finishes the campaign', async () => {
    // Batches of 1,000, one at a time: a pause must stop a batch in its middle, not only between batches.
    h = await createHarness({
      readers: 2000,
      sink: { delayMs: 5 },
      env: { BATCH_SIZE: '1000', SEND_CONCURRENCY: '1' },
    });
    const queued = await send(h);
    await queued.close();
    server = await startOpsServer(h);
    const b = await browserFor(server.url);
    browser = b.browser;
    const page = b.page;
    await logIn(page, server.url);
    await page.goto(`${server.url}/ops/campaigns/${queued.campaign.id}`);
    await h.startWorker();
    await h.sink.waitFor(100);

    const clicked = Date.now();
    await Promise.all([page.waitForURL(/\/ops\/campaigns\/\d+$/), page.click('button[value="pause"]')]);
    await expect.poll(() => page.locator('.notice').textContent(), POLL).toContain('pause done');
    // The event that says every running batch has stopped: no row left claimed.
    const store = h.store;
    await until(
      'running batches to release their rows',
      async () => (await deliveryCounts(store.db, queued.campaign.id)).sending === 0,
    );
    // Stopped inside the running batch of 1,000 (not at its end). How fast, in time, is a figure for
    // the README (about a second), not an assertion: a loaded CI machine stretches it.
    const atPause = h.sink.messages.length;
    expect(atPause).toBeLessThan(1000);
    const after = h.sink.messages.filter((m) => m.at > clicked).length;
    expect(after).toBeLessThan(900);
    expect((await campaignById(h.store.db, queued.campaign.id))?.state).toBe('paused');
    // The page shows the new state by itself (live progress, no reload).
    await expect.poll(() => page.locator('#totals [data-cell="state"]').textContent(), POLL).toBe('paused');

    await Promise.all([page.waitForURL(/\/ops\/campaigns\/\d+$/), page.click('button[value="resume"]')]);
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(2000);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
  }, 300_000);

  it('un-suppressing an address in the dashboard logs an event and lets the next campaign reach it', async () => {
    let unknown = true;
    h = await createHarness({
      readers: 10,
      sink: {
        behaviour: (rcpt) =>
          unknown && rcpt === 'lecteur7@example.org'
            ? { code: 550, message: '5.1.1 <lecteur7@example.org>: user unknown' }
            : null,
      },
    });
    const first = await send(h);
    await first.close();
    await h.startWorker();
    await h.waitForState(first.campaign.id, ['sent']);
    const reader = h.readers[6];
    if (!reader) throw new Error('no reader 7');
    expect(await membership(h.store.db, h.listId, reader.id)).toBe('bounced');

    server = await startOpsServer(h);
    const b = await browserFor(server.url);
    browser = b.browser;
    const page = b.page;
    await logIn(page, server.url);
    await page.goto(`${server.url}/ops/suppressions?q=lecteur7`);
    const row = page.locator('#suppressions tr[data-email="lecteur7@example.org"]');
    await expect.poll(() => row.locator('td').nth(1).textContent(), POLL).toBe('bounced');
    expect(await row.locator('td').nth(3).textContent()).toBe('send bounce');
    expect(await row.locator('td').nth(4).textContent()).toBe(String(first.campaign.id));
    await Promise.all([page.waitForURL(/\/ops\/suppressions/), row.locator('button').click()]);
    await expect
      .poll(() => page.locator('.notice').textContent(), POLL)
      .toContain('lecteur7@example.org is no longer suppressed');

    expect((await suppressedAmong(h.store.db, ['lecteur7@example.org'])).size).toBe(0);
    expect(await membership(h.store.db, h.listId, reader.id)).toBe('active');
    const events = await h.store.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'unsuppressed')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriber_id: reader.id,
      list_id: h.listId,
      reason: 'ops dashboard (was bounced)',
    });

    unknown = false; // the mailbox exists again
    const second = await send(h, true);
    await second.close();
    expect(second.campaign.total).toBe(10);
    await h.waitForState(second.campaign.id, ['sent']);
    expect(receivedPerReader(h.sink).get('lecteur7@example.org')).toBe(1);
  });
});
