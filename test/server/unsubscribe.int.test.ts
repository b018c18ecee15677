import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../src/audience/unsubscribe-token.ts';
import { handleUnsubscribeMail } from '../../src/events/unsubscribe.ts';
import { type Listening, listen } from '../../src/server/listen.ts';
import { publicApp } from '../../src/server/public/app.ts';
import {
  createList,
  eventsOf,
  insertMemberships,
  insertSubscribers,
  membership,
} from '../../src/store/audience.ts';
import { launchChromium } from '../helpers/browser.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

const SECRET = 's'.repeat(48);
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(BACKENDS)('unsubscribe through the real server on %s', (backend) => {
  let t: TestStore;
  let server: Listening;
  let listId: number;
  let subscriberId: number;
  let token: string;

  beforeEach(async () => {
    t = await freshStore(backend);
    listId = (await createList(t.store.db, 'lecteurs', 'fr')).id;
    const [s] = await insertSubscribers(t.store.db, [
      {
        email: 'aigerim@example.kz',
        email_normalized: 'aigerim@example.kz',
        name: 'Aigerim',
        attributes: '{}',
      },
    ]);
    subscriberId = s?.id ?? 0;
    await insertMemberships(t.store.db, [
      { list_id: listId, subscriber_id: subscriberId, status: 'active', source: 'test' },
    ]);
    token = signUnsubscribeToken({ listId, subscriberId, campaignId: '7' }, SECRET);
    server = await listen(
      publicApp({ store: t.store, secret: SECRET, defaultLang: 'fr', rateLimitPerMinute: 1000 }),
      0,
      '127.0.0.1',
    );
  });
  afterEach(async () => {
    await server.close();
    await t.dispose();
  });

  const status = () => membership(t.store.db, listId, subscriberId);
  const events = async () =>
    (await eventsOf(t.store.db, subscriberId)).map((e) => [e.type, e.reason, e.campaign_id]);

  it('GET shows a confirmation page and changes nothing; the button unsubscribes (in Chromium)', async () => {
    const page = await browser.newPage();
    try {
      await page.route('**/*', (r) => (r.request().url().startsWith(server.url) ? r.continue() : r.abort()));
      await page.goto(`${server.url}/unsubscribe/${token}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('fr');
      expect(await page.locator('h1').textContent()).toBe('Se désabonner');
      expect(await status()).toBe('active');
      await page.getByRole('button', { name: 'Me désabonner' }).click();
      await page.locator('h1', { hasText: 'Vous êtes désabonné(e)' }).waitFor();
      expect(page.url()).toBe(`${server.url}/unsubscribe/${token}`); // answered directly, no redirect
      expect(await status()).toBe('unsubscribed');
      expect(await events()).toEqual([['unsubscribed', 'link', '7']]);

      await page.getByRole('button', { name: 'Me réabonner' }).click();
      await page.locator('h1', { hasText: 'C’est noté' }).waitFor();
      expect(await status()).toBe('active');
      expect(await events()).toEqual([
        ['unsubscribed', 'link', '7'],
        ['resubscribed', 'page', '7'],
      ]);
    } finally {
      await page.close();
    }
  });

  it('accepts the RFC 8058 one-click POST with no cookie or script, answers 200, and a replay is harmless', async () => {
    const post = () =>
      fetch(`${server.url}/unsubscribe/${token}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        redirect: 'manual',
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await status()).toBe('unsubscribed');
    const replay = await post();
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe(await (await post()).text());
    expect(await events()).toEqual([['unsubscribed', 'one-click', '7']]);
  });

  it('answers 400 to a forged, truncated or foreign-secret token and changes nothing', async () => {
    const forged = token.replace(`.${subscriberId}.`, `.${subscriberId + 1}.`);
    const foreign = signUnsubscribeToken({ listId, subscriberId, campaignId: '7' }, 'f'.repeat(48));
    for (const bad of [forged, token.slice(0, -4), foreign]) {
      const res = await fetch(`${server.url}/unsubscribe/${bad}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Lien non valable');
      expect((await fetch(`${server.url}/unsubscribe/${bad}`)).status).toBe(400);
    }
    expect(await status()).toBe('active');
    expect(await events()).toEqual([]);
  });

  it('gives the same answer whatever the reader’s state', async () => {
    const done = await (await fetch(`${server.url}/unsubscribe/${token}`, { method: 'POST' })).text();
    await t.store.db.updateTable('memberships').set({ status: 'bounced' }).execute();
    const bounced = await (await fetch(`${server.url}/unsubscribe/${token}`, { method: 'POST' })).text();
    expect(bounced).toBe(done);
    expect(await status()).toBe('bounced');
  });

  it('processes a mailto: unsubscribe and ignores a forged one', async () => {
    expect(
      await handleUnsubscribeMail(t.store.db, SECRET, [
        `unsubscribe+${token.slice(0, -2)}xx@lettre.example.org`,
      ]),
    ).toBe(0);
    expect(await status()).toBe('active');
    expect(
      await handleUnsubscribeMail(t.store.db, SECRET, [
        `Unsubscribe+${token.toUpperCase()}@lettre.example.org`,
      ]),
    ).toBe(1);
    expect(await status()).toBe('unsubscribed');
    expect(await events()).toEqual([['unsubscribed', 'mailto', '7']]);
  });
});

describe('rate limit', () => {
  it('answers 429 past the configured requests per minute per IP', async () => {
    const t = await freshStore('sqlite');
    const server = await listen(
      publicApp({ store: t.store, secret: SECRET, defaultLang: 'fr', rateLimitPerMinute: 3 }),
      0,
      '127.0.0.1',
    );
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await fetch(`${server.url}/unsubscribe/1.1.0.aaaaaaaaaaaaaaaaaaaaaaaaaa`)).status);
      expect(codes).toEqual([400, 400, 400, 429, 429]);
    } finally {
      await server.close();
      await t.dispose();
    }
  });
});
