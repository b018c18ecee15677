import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../src/audience/unsubscribe-token.ts';
import { type Listening, listen } from '../../src/server/listen.ts';
import { publicApp } from '../../src/server/public/app.ts';
import { createList, insertMemberships, insertSubscribers, membership } from '../../src/store/audience.ts';
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
