import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { unsubscribe } from '../../src/audience/membership.ts';
import { signUnsubscribeToken } from '../../src/audience/unsubscribe-token.ts';
import { loadContext } from '../../src/content/load.ts';
import { prepareIssue, requireReady } from '../../src/render/prepare.ts';
import { type Listening, listen } from '../../src/server/listen.ts';
import { publicApp } from '../../src/server/public/app.ts';
import {
  createList,
  insertMemberships,
  insertSubscribers,
  membership,
  suppress,
} from '../../src/store/audience.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { ISSUES_DIR, PUBLIC_URL, TEMPLATES_DIR } from '../helpers/fixtures.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

const SECRET = 's'.repeat(48);
let t: TestStore | undefined;
let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  await t?.dispose();
  server = t = undefined;
});

async function setup(o: { trustedProxies?: string[]; limit?: number; headersTimeoutMs?: number } = {}) {
  t = await freshStore('sqlite');
  const listId = (await createList(t.store.db, 'lecteurs', 'fr')).id;
  const subs = await insertSubscribers(
    t.store.db,
    [1, 2].map((n) => ({
      email: `r${n}@example.org`,
      email_normalized: `r${n}@example.org`,
      name: null,
      attributes: '{}',
    })),
  );
  await insertMemberships(
    t.store.db,
    subs.map((s) => ({ list_id: listId, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
  );
  const tokens = subs.map((s) =>
    signUnsubscribeToken({ listId, subscriberId: s.id, campaignId: '7' }, SECRET),
  );
  server = await listen(
    publicApp({
      store: t.store,
      secret: SECRET,
      defaultLang: 'fr',
      rateLimitPerMinute: o.limit ?? 5,
      trustedProxies: o.trustedProxies ?? [],
    }),
    0,
    '127.0.0.1',
    { headersTimeoutMs: o.headersTimeoutMs },
  );
  return { db: t.store.db, listId, subs, tokens, url: server.url };
}

const oneClick = (
  url: string,
  token: string,
  headers: Record<string, string> = {},
  body = 'List-Unsubscribe=One-Click',
) =>
  fetch(`${url}/unsubscribe/${token}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });

describe('the public server under attack', () => {
  it('behind a trusted proxy, one client’s flood of invalid tokens never refuses a reader’s one-click', async () => {
    const { db, listId, subs, tokens, url } = await setup({ trustedProxies: ['127.0.0.1'], limit: 5 });
    const flood: number[] = [];
    for (let i = 0; i < 12; i++)
      flood.push(
        (
          await fetch(`${url}/unsubscribe/1.1.0.forged${i}`, {
            headers: { 'X-Forwarded-For': '203.0.113.5' },
          })
        ).status,
      );
    expect(flood.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(flood.slice(5).every((s) => s === 429)).toBe(true);
    // Another client through the same proxy still has its own bucket; a valid token is never limited by others.
    expect(
      (await fetch(`${url}/unsubscribe/forged`, { headers: { 'X-Forwarded-For': '198.51.100.7' } })).status,
    ).toBe(400);
    expect((await oneClick(url, tokens[0] ?? '', { 'X-Forwarded-For': '203.0.113.5' })).status).toBe(200);
    expect(
      (await oneClick(url, tokens[1] ?? '', { 'X-Forwarded-For': '198.51.100.7, 203.0.113.5' })).status,
    ).toBe(200);
    for (const s of subs) expect(await membership(db, listId, s.id)).toBe('unsubscribed');
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot pick a fresh address per request', async () => {
    const { url } = await setup({ limit: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await fetch(`${url}/unsubscribe/forged${i}`, { headers: { 'X-Forwarded-For': `203.0.113.${i}` } }))
          .status,
      );
    expect(codes).toEqual([400, 400, 400, 429, 429]);
  });

  it('malformed escapes in a token are 400, not 500, and count against the client’s limit', async () => {
    const { url } = await setup({ limit: 3 });
    const codes: number[] = [];
    for (const p of ['/unsubscribe/%ff', '/resubscribe/abc%', '/unsubscribe/%E0%A4%A', '/unsubscribe/x'])
      codes.push(
        (await fetch(`${url}${p}`, { method: p.startsWith('/resubscribe') ? 'POST' : 'GET' })).status,
      );
    expect(codes).toEqual([400, 400, 400, 429]);
  });

  it('refuses a large body with 413 and changes nothing; token pages carry strict headers', async () => {
    const { db, listId, subs, tokens, url } = await setup();
    const big = `List-Unsubscribe=One-Click&pad=${'x'.repeat(1024 * 1024)}`;
    expect((await oneClick(url, tokens[0] ?? '', {}, big)).status).toBe(413);
    expect(await membership(db, listId, subs[0]?.id ?? 0)).toBe('active');
    const res = await fetch(`${url}/unsubscribe/${tokens[0]}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a resubscribe link undoes only the reader’s own recent unsubscribe, never an operator’s removal or a suppression', async () => {
    const { db, listId, subs, tokens, url } = await setup();
    const [a, b] = subs;
    if (!a || !b) throw new Error('no readers');
    const resub = (token: string) => fetch(`${url}/resubscribe/${token}`, { method: 'POST' });
    // The reader's own one-click, then the page's button: back on the list.
    expect((await oneClick(url, tokens[0] ?? '')).status).toBe(200);
    expect(await (await resub(tokens[0] ?? '')).text()).toContain('C’est noté');
    expect(await membership(db, listId, a.id)).toBe('active');
    // An operator removed reader b: their old message cannot bring them back.
    await unsubscribe(db, { listId, subscriberId: b.id, campaignId: null }, 'cli');
    expect(await (await resub(tokens[1] ?? '')).text()).toContain('Réabonnement impossible par ce lien');
    expect(await membership(db, listId, b.id)).toBe('unsubscribed');
    // Their own unsubscribe, but 31 days ago: too old.
    expect((await oneClick(url, tokens[0] ?? '')).status).toBe(200);
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await db.updateTable('events').set({ created_at: old }).where('subscriber_id', '=', a.id).execute();
    expect(await (await resub(tokens[0] ?? '')).text()).toContain('Réabonnement impossible');
    expect(await membership(db, listId, a.id)).toBe('unsubscribed');
    // Recent, but the address has since been suppressed: no.
    await db
      .updateTable('events')
      .set({ created_at: new Date().toISOString() })
      .where('subscriber_id', '=', a.id)
      .execute();
    await suppress(db, 'r1@example.org', 'complained', 'fbl');
    expect(await (await resub(tokens[0] ?? '')).text()).toContain('Réabonnement impossible');
    expect(await membership(db, listId, a.id)).toBe('unsubscribed');
  });

  it('serves the web version of an issue only once it was sent', async () => {
    t = await freshStore('sqlite');
    const list = await createList(t.store.db, 'lecteurs');
    server = await listen(
      publicApp({
        store: t.store,
        secret: SECRET,
        defaultLang: 'fr',
        rateLimitPerMinute: 5,
        workspace: { issuesDir: ISSUES_DIR, templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
      }),
      0,
      '127.0.0.1',
    );
    const slug = '2026-02-12-numero-56';
    expect((await fetch(`${server.url}/issues/${slug}`)).status).toBe(404);
    // The public server shows the issue as it was sent: the campaign's compiled issue.
    const dirs = { issuesDir: ISSUES_DIR, templatesDir: TEMPLATES_DIR };
    const ready = requireReady(
      await prepareIssue(`${ISSUES_DIR}/${slug}.md`, loadContext(dirs), { ...dirs, publicUrl: PUBLIC_URL }),
    );
    const id = await insertCampaign(t.store.db, {
      issue_file: `issues/${slug}.md`,
      issue_slug: slug,
      content_hash: 'x',
      list_id: list.id,
      subject: 's',
      state: 'draft',
      compiled: JSON.stringify(ready.compiled),
      batch_size: 100,
      provider: 'default',
      scheduled_at: null,
      message_key: null,
    });
    expect((await fetch(`${server.url}/issues/${slug}`)).status).toBe(404); // a draft is not sent
    await t.store.db.updateTable('campaigns').set({ state: 'sent' }).where('id', '=', id).execute();
    const res = await fetch(`${server.url}/issues/${slug}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Numéro 56');
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const { url } = await setup({ headersTimeoutMs: 1_000 });
    const { port } = new URL(url);
    const started = Date.now();
    const closed = await new Promise<number>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /unsubscribe HTTP/1.1\r\nHost: x\r\n'),
      );
      socket.on('data', () => {});
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => {});
      setTimeout(() => reject(new Error('the slow client was never cut off')), 15_000);
    });
    expect(closed).toBeLessThan(5_000);
  });
});
