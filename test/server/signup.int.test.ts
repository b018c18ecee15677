import http from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/_shared/address.ts';
import { signConfirmToken } from '../../src/audience/confirm-token.ts';
import { subscribe, suppressByHand, unsubscribe } from '../../src/audience/membership.ts';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { loadContext } from '../../src/content/load.ts';
import { prepareIssue, requireReady } from '../../src/render/prepare.ts';
import { freePort } from '../../src/runtime/redis-server.ts';
import type { SendWorker } from '../../src/send/worker.ts';
import type { Listening } from '../../src/server/listen.ts';
import { signupForm } from '../../src/server/public/signup-routes.ts';
import { createList, membershipsOf } from '../../src/store/audience.ts';
import { updateListSettings } from '../../src/store/list-settings.ts';
import { consentsOf, signupsOf } from '../../src/store/signups.ts';
import { setListWelcome } from '../../src/store/welcomes.ts';
import { confine, launchChromium } from '../helpers/browser.ts';
import { ISSUES_DIR, TEMPLATES_DIR } from '../helpers/fixtures.ts';
import { startOpsServer } from '../helpers/ops.ts';
import { createHarness, type Harness, ISSUE, SECRET } from '../helpers/send-harness.ts';
import type { CapturedMessage } from '../helpers/smtp-sink.ts';

let h: Harness;
let worker: SendWorker;
let server: Listening;
let base: string;
let browser: Browser;
let dossiers: number;
/** The page of another site that embeds the signup form (SIGNUP_ORIGINS lets it post). */
let site: http.Server;
let siteUrl: string;

/** Waits until the signup for `email` has had its confirmation sent (the event, not a clock). */
async function confirmationSent(email: string) {
  for (;;) {
    const [s] = await signupsOf(h.store.db, email);
    if (s?.confirm_status === 'sent' || s?.confirm_status === 'failed') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const linkIn = (text: string) => /https?:\/\/\S+\/confirm\/[a-z0-9.]+/.exec(text)?.[0] ?? '';

function post(body: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of ([] as string[]).concat(v)) form.append(k, x);
  return fetch(`${base}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
  });
}

beforeAll(async () => {
  const port = await freePort();
  const sitePort = await freePort();
  base = `http://127.0.0.1:${port}`;
  siteUrl = `http://127.0.0.1:${sitePort}`;
  h = await createHarness({
    readers: 3,
    env: {
      PUBLIC_URL: base,
      SIGNUP_ORIGINS: siteUrl,
      // The abuse test posts 1,000 times from one client: the per-address limit is what it measures.
      UNSUBSCRIBE_RATE_LIMIT: '100000',
      SIGNUP_IP_LIMIT: '100000',
    },
  });
  await updateListSettings(h.store.db, h.listId, { public: true, optin: 'double' });
  dossiers = (await createList(h.store.db, 'dossiers')).id;
  await updateListSettings(h.store.db, dossiers, { public: true, optin: 'double' });
  worker = await h.startWorker();
  server = await startOpsServer(h, port);
  const snippet = String(
    await signupForm('Quoi de neuf au Kazakhstan ?', 'fr', [{ name: 'lecteurs' }], `${base}/subscribe`),
  );
  site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="fr"><meta charset="utf-8"><title>Un autre site</title><body>${snippet}</body></html>`,
    );
  });
  await new Promise<void>((r) => site.listen(sitePort, '127.0.0.1', r));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
  await server?.close();
  await h?.dispose();
});

describe('signup with double opt-in (issue 22)', () => {
  it('a reader subscribes in Chromium, receives the confirmation, confirms, and is active with a consent record', async () => {
    const page = await browser.newPage();
    await confine(page, base);
    await page.goto(`${base}/subscribe`);
    await page.fill('input[name=email]', 'nouvelle@example.org');
    await page.fill('input[name=name]', 'Aïgerim');
    await page.check('input[value=lecteurs]');
    await page.click('button[type=submit]');
    // The answer is a new page at the same address: wait for its heading, not for the URL.
    await page.locator('h1', { hasText: 'Vérifiez votre boîte aux lettres' }).waitFor();

    const signup = await confirmationSent('nouvelle@example.org');
    expect(signup.confirm_status).toBe('sent');
    const [mail] = (await h.sink.waitFor(1)).filter((m) => m.envelope.to.includes('nouvelle@example.org'));
    expect(mail?.parsed.subject).toBe('Confirmez votre inscription à Quoi de neuf au Kazakhstan ?');
    expect(mail?.parsed.text).toContain('ignorez ce message');
    expect(mail?.parsed.headers.get('list-unsubscribe')).toBeUndefined();
    // Nothing is a subscription yet: not even a reader.
    const before = await h.store.db
      .selectFrom('subscribers')
      .select('id')
      .where('email_normalized', '=', 'nouvelle@example.org')
      .executeTakeFirst();
    expect(before).toBeUndefined();

    const link = linkIn(mail?.parsed.text ?? '');
    expect(link.startsWith(`${base}/confirm/`)).toBe(true);
    await page.goto(link);
    // The link shows a button (a mail scanner's GET changes nothing); the reader's click confirms.
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'C’est fait' }).waitFor();

    const [after] = await signupsOf(h.store.db, 'nouvelle@example.org');
    expect(after?.confirmed_at).not.toBeNull();
    const reader = await h.store.db
      .selectFrom('subscribers')
      .selectAll()
      .where('email_normalized', '=', 'nouvelle@example.org')
      .executeTakeFirstOrThrow();
    expect(reader.name).toBe('Aïgerim');
    expect((await membershipsOf(h.store.db, h.listId, [reader.id])).get(reader.id)).toBe('active');
    expect((await membershipsOf(h.store.db, dossiers, [reader.id])).get(reader.id)).toBeUndefined();
    const [consent] = await consentsOf(h.store.db, reader.id);
    expect(consent).toMatchObject({ method: 'double', ip: '127.0.0.1', list_ids: `[${h.listId}]` });
    expect(consent?.user_agent).toMatch(/Chrome/);
    expect(consent?.text).toContain('J’accepte de recevoir Quoi de neuf au Kazakhstan ?');
    expect(consent?.form).toBe(`${base}/subscribe`);
    await page.close();
  }, 120_000);

  it('the embed snippet works from a page on another site with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await confine(page, base, siteUrl);
    await page.goto(siteUrl);
    await page.fill('input[name=email]', 'depuis-un-blog@example.org');
    await Promise.all([page.waitForURL(`${base}/subscribe`), page.click('button[type=submit]')]);
    await page.locator('h1', { hasText: 'Vérifiez votre boîte aux lettres' }).waitFor();
    const [s] = await signupsOf(h.store.db, 'depuis-un-blog@example.org');
    expect(s?.list_ids).toBe(`[${h.listId}]`);
    expect(s?.form.startsWith(siteUrl)).toBe(true);
    await context.close();
  }, 60_000);

  it('a form on a site not in SIGNUP_ORIGINS is refused, and changes nothing', async () => {
    const r = await post(
      { email: 'victime@example.org', list: 'lecteurs' },
      { origin: 'https://evil.example' },
    );
    expect(r.status).toBe(403);
    expect(await signupsOf(h.store.db, 'victime@example.org')).toEqual([]);
  });

  it('answers new, pending, active, unsubscribed and suppressed addresses with the same bytes', async () => {
    await suppressByHand(h.store.db, 'supprimee@example.org', 'ops', 'test');
    const left = h.readers[1];
    await unsubscribe(
      h.store.db,
      { listId: h.listId, subscriberId: left?.id ?? 0, campaignId: null },
      'link',
    );
    await post({ email: 'en-attente@example.org', list: 'lecteurs' });
    const addresses = [
      'toute-neuve@example.org', // new
      'en-attente@example.org', // pending (a signup within the hour)
      h.readers[0]?.email ?? '', // active
      left?.email ?? '', // unsubscribed
      'supprimee@example.org', // suppressed
    ];
    const answers = [];
    for (const email of addresses) {
      const r = await post({ email, list: 'lecteurs' });
      answers.push({ status: r.status, type: r.headers.get('content-type'), body: await r.text() });
    }
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(200);
    // The same for the JSON API.
    const json = [];
    for (const email of addresses) {
      const r = await fetch(`${base}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: siteUrl },
        body: JSON.stringify({ email, lists: ['lecteurs'] }),
      });
      expect(r.headers.get('access-control-allow-origin')).toBe(siteUrl);
      json.push(await r.text());
    }
    expect(new Set(json).size).toBe(1);
  });

  it('1,000 signups for one address send one confirmation', async () => {
    const email = 'insistante@example.org';
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i += 50) {
      const rs = await Promise.all(Array.from({ length: 50 }, () => post({ email, list: 'lecteurs' })));
      for (const r of rs) {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        await r.body?.cancel();
      }
    }
    expect(statuses).toEqual(new Map([[200, 1000]]));
    const s = await confirmationSent(email);
    expect(s.confirm_status).toBe('sent');
    // The queue has nothing left for it: the one job ran, no other was ever added.
    expect(await signupsOf(h.store.db, email)).toHaveLength(1);
    const counts = await worker.queue.getJobCounts('waiting', 'active', 'delayed');
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0 });
    expect(h.sink.messages.filter((m) => m.envelope.to.includes(email))).toHaveLength(1);
  }, 120_000);

  it('refuses a malformed or throwaway address, a private list, and takes nothing from a honeypot', async () => {
    const bad = await post({ email: 'pas-une-adresse', list: 'lecteurs' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('adresse e-mail');
    const json = await fetch(`${base}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@mailinator.com', lists: ['lecteurs'] }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ ok: false, field: 'email' });
    await updateListSettings(h.store.db, dossiers, { public: false });
    const priv = await post({ email: 'curieuse@example.org', list: 'dossiers' });
    expect(priv.status).toBe(400);
    await updateListSettings(h.store.db, dossiers, { public: true });
    const bot = await post({ email: 'robot@example.org', list: 'lecteurs', website: 'http://spam.example' });
    expect(bot.status).toBe(200);
    expect(await signupsOf(h.store.db, 'robot@example.org')).toEqual([]);
  });

  it('on a single opt-in list a new reader joins at once, and one who left comes back only by confirming', async () => {
    const single = (await createList(h.store.db, 'breves')).id;
    await updateListSettings(h.store.db, single, { public: true, optin: 'single' });
    const fresh = await post({ email: 'directe@example.org', list: 'breves' });
    const leaver = h.readers[2];
    if (!leaver) throw new Error('reader');
    const address = parseAddress(leaver.email);
    if (!address.ok) throw new Error('address');
    await subscribe(h.store.db, { listId: single, address, name: null, source: 'test', resubscribe: false });
    await unsubscribe(h.store.db, { listId: single, subscriberId: leaver.id, campaignId: null }, 'link');
    const back = await post({ email: leaver.email, list: 'breves' });
    // The same answer for both: it does not tell that one of them had left.
    expect(await back.text()).toBe(await fresh.text());
    const directe = await h.store.db
      .selectFrom('subscribers')
      .select('id')
      .where('email_normalized', '=', 'directe@example.org')
      .executeTakeFirstOrThrow();
    expect((await membershipsOf(h.store.db, single, [directe.id])).get(directe.id)).toBe('active');
    expect((await consentsOf(h.store.db, directe.id)).map((c) => c.method)).toEqual(['single']);
    expect((await membershipsOf(h.store.db, single, [leaver.id])).get(leaver.id)).toBe('unsubscribed');
    const [s] = await signupsOf(h.store.db, leaver.email);
    expect(s?.list_ids).toBe(`[${single}]`);
    await updateListSettings(h.store.db, single, { public: false });
  });

  it('a confirmation link replayed, expired, altered or signed with another key changes nothing', async () => {
    const email = 'prudente@example.org';
    await post({ email, list: 'lecteurs' });
    const s = await confirmationSent(email);
    const mail = h.sink.messages.find((m) => m.envelope.to.includes(email));
    const link = linkIn(mail?.parsed.text ?? '');
    const token = link.slice(link.lastIndexOf('/') + 1);
    const confirm = (t: string) => fetch(`${base}/confirm/${t}`, { method: 'POST' });
    const readerId = async () =>
      (
        await h.store.db
          .selectFrom('subscribers')
          .select('id')
          .where('email_normalized', '=', email)
          .executeTakeFirst()
      )?.id;

    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = signConfirmToken({ signupId: s.id, expires: past }, s.nonce, SECRET);
    expect((await confirm(expired)).status).toBe(410);
    const otherKey = signConfirmToken({ signupId: s.id, expires: past + 86_400 }, s.nonce, 'z'.repeat(48));
    expect((await confirm(otherKey)).status).toBe(400);
    expect((await confirm(`${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`)).status).toBe(400);
    expect((await confirm(token.slice(0, 12))).status).toBe(400);
    expect(await readerId()).toBeUndefined();

    expect((await confirm(token)).status).toBe(200);
    const id = await readerId();
    expect(id).toBeDefined();
    expect((await confirm(token)).status).toBe(200); // replayed: told it is done, nothing more
    expect(await consentsOf(h.store.db, id ?? 0)).toHaveLength(1);
    const events = await h.store.db
      .selectFrom('events')
      .select('type')
      .where('subscriber_id', '=', id ?? 0)
      .execute();
    expect(events.map((e) => e.type)).toEqual(['subscribed']);
  }, 60_000);

  it('a reader who confirms gets the list’s welcome numéro once, personalised, with its unsubscribe headers', async () => {
    const dirs = { issuesDir: ISSUES_DIR, templatesDir: TEMPLATES_DIR };
    const ready = requireReady(await prepareIssue(ISSUE, loadContext(dirs), { ...dirs, publicUrl: base }));
    await setListWelcome(h.store.db, dossiers, {
      file: path.basename(ISSUE),
      compiled: JSON.stringify(ready.compiled),
    });
    const email = 'bienvenue@example.org';
    await post({ email, name: 'Dana', list: 'dossiers' });
    await confirmationSent(email);
    const confirmation = h.sink.messages.find((m) => m.envelope.to.includes(email));
    const link = linkIn(confirmation?.parsed.text ?? '');
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    const welcome = await waitForMessage(email, (m) => m.parsed.subject === ready.compiled.subject);
    expect(welcome.raw.toString()).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(welcome.parsed.text).toContain('Dana');
    // Replayed, the link sends nothing more; the row says it went once.
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    for (;;) {
      const rows = await h.store.db
        .selectFrom('welcomes')
        .selectAll()
        .where('list_id', '=', dossiers)
        .execute();
      if (rows.every((r) => r.status !== 'queued' && r.status !== 'sending')) {
        expect(rows.map((r) => r.status)).toEqual(['sent']);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(h.sink.messages.filter((m) => m.envelope.to.includes(email))).toHaveLength(2);
    // Its web version is public, as a sent numéro's is.
    expect((await fetch(`${base}/issues/${ready.compiled.slug}`)).status).toBe(200);
  }, 120_000);

  it('the welcome’s "manage my subscription" link: the reader leaves one list and joins another in Chromium; the next campaigns reach exactly the right readers', async () => {
    const email = 'bienvenue@example.org';
    const welcome = await waitForMessage(email, (m) => /Gérer mon abonnement/.test(m.parsed.text ?? ''));
    const link = /Gérer mon abonnement\s*:\s*(\S+)/.exec(welcome.parsed.text ?? '')?.[1] ?? '';
    expect(link.startsWith(`${base}/preferences/`)).toBe(true);
    expect(welcome.parsed.html).toContain(`href="${link}"`);
    const page = await browser.newPage();
    await confine(page, base);
    await page.goto(link);
    expect(await page.isChecked(`#list-${dossiers}`)).toBe(true);
    expect(await page.isChecked(`#list-${h.listId}`)).toBe(false);
    await page.uncheck(`#list-${dossiers}`);
    await page.check(`#list-${h.listId}`);
    await page.fill('input[name=name]', 'Dana K.');
    await page.click('form:first-of-type button[type=submit]');
    await page.locator('h1', { hasText: 'C’est enregistré' }).waitFor();
    await page.close();
    const reader = await h.store.db
      .selectFrom('subscribers')
      .selectAll()
      .where('email_normalized', '=', email)
      .executeTakeFirstOrThrow();
    expect(reader.name).toBe('Dana K.');
    expect((await membershipsOf(h.store.db, dossiers, [reader.id])).get(reader.id)).toBe('unsubscribed');
    expect((await membershipsOf(h.store.db, h.listId, [reader.id])).get(reader.id)).toBe('active');
    expect((await consentsOf(h.store.db, reader.id)).map((c) => c.list_ids)).toContain(`[${h.listId}]`);
    // A forged post from another page changes nothing.
    const forged = await fetch(link, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'leave=all',
    });
    expect(forged.status).toBe(403);
    expect((await membershipsOf(h.store.db, h.listId, [reader.id])).get(reader.id)).toBe('active');

    // The next campaign of each list: lecteurs reaches her, dossiers does not (it has another reader).
    const other = parseAddress(h.readers[2]?.email ?? '');
    if (!other.ok) throw new Error('address');
    await subscribe(h.store.db, {
      listId: dossiers,
      address: other,
      name: null,
      source: 'test',
      resubscribe: false,
    });
    const sent = async (list: string) => {
      const q = await queueCampaign(h.config, {
        file: ISSUE,
        list,
        at: null,
        again: true,
        force: true, // PUBLIC_URL is this test's loopback server
      });
      await q.close();
      await h.waitForState(q.campaign.id, ['sent']);
      return h.store.db
        .selectFrom('deliveries')
        .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
        .select('subscribers.email')
        .where('deliveries.campaign_id', '=', q.campaign.id)
        .where('deliveries.status', '=', 'sent')
        .execute();
    };
    const lecteurs = (await sent('lecteurs')).map((r) => r.email);
    expect(lecteurs).toContain(email);
    expect(lecteurs).not.toContain(h.readers[1]?.email); // unsubscribed earlier in this file
    const dossiersSent = (await sent('dossiers')).map((r) => r.email);
    expect(dossiersSent).not.toContain(email);
    expect(dossiersSent).toContain(h.readers[2]?.email);
  }, 180_000);
});

/** The first message to `email` that `match` accepts, once the sink has it. */
async function waitForMessage(
  email: string,
  match: (m: CapturedMessage) => boolean,
): Promise<CapturedMessage> {
  for (;;) {
    const m = h.sink.messages.find((x) => x.envelope.to.includes(email) && match(x));
    if (m) return m;
    await h.sink.waitFor(h.sink.messages.length + 1);
  }
}
