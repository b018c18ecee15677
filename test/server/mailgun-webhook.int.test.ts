import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { loadConfig } from '../../src/config.ts';
import type { Listening } from '../../src/server/listen.ts';
import { startServe } from '../../src/server/serve.ts';
import { createList, insertMemberships, insertSubscribers, membership } from '../../src/store/audience.ts';
import { sentCampaign } from '../helpers/ledger.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
let server: Listening | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  await t?.dispose();
  t = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const KEY = 'mailgun-signing-key-0123456789';

function signature(
  key = KEY,
  timestamp = Math.floor(Date.now() / 1000),
  token = `tok${Math.random()}`.padEnd(50, 'x'),
) {
  return {
    timestamp: String(timestamp),
    token,
    signature: createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex'),
  };
}

const failed = (recipient: string, severity: string, code: number, message: string, id: string) => ({
  event: 'failed',
  id,
  severity,
  reason: 'bounce',
  recipient,
  'delivery-status': { code, message, description: '' },
  message: { headers: { 'message-id': `${id}@mg.lettre.example` } },
});

describe('the Mailgun webhook on numero serve', () => {
  it('acts on signed events once, through the failure policy; forged, stale and replayed requests change nothing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-mailgun-'));
    t = await freshStore('sqlite');
    const store = t.store;
    const list = await createList(store.db, 'lecteurs');
    const emails = [
      'mort@example.org',
      'plein@example.org',
      'bloque@example.org',
      'fache@example.org',
      'forge@example.org',
    ];
    const subs = await insertSubscribers(
      store.db,
      emails.map((e) => ({ email: e, email_normalized: e, name: null, attributes: '{}' })),
    );
    await insertMemberships(
      store.db,
      subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
    );
    await sentCampaign(store, { listId: list.id, subscriberIds: subs.map((s) => s.id) });
    const status = async (email: string) =>
      membership(store.db, list.id, subs[emails.indexOf(email)]?.id ?? 0);
    server = await startServe({
      config: loadConfig({
        NUMERO_DATA_DIR: dir,
        UNSUBSCRIBE_SECRET: 's'.repeat(40),
        MAILGUN_WEBHOOK_SIGNING_KEY: KEY,
        LOG_LEVEL: 'silent',
      }),
      store,
      secret: 's'.repeat(40),
      redis: { error: 'not needed here' },
      port: 0,
      host: '127.0.0.1',
      log: createLogger('mailgun-test', 'silent'),
    });
    const post = (body: unknown) =>
      fetch(`${server?.url}/webhooks/mailgun`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const send = async (data: unknown, sig = signature()) => {
      const r = await post({ signature: sig, 'event-data': data });
      return [r.status, await r.text()] as const;
    };

    // A permanent failure about the address: suppressed everywhere, once.
    const dead = failed(
      'mort@example.org',
      'permanent',
      550,
      '5.1.1 The email account that you tried to reach does not exist',
      'ev-1',
    );
    expect(await send(dead)).toEqual([200, 'ok']);
    expect(await status('mort@example.org')).toBe('bounced');
    expect(await send(dead)).toEqual([200, 'already processed']);
    // Temporary: counted, nothing else.
    expect(await send(failed('plein@example.org', 'temporary', 452, '4.2.2 Mailbox full', 'ev-2'))).toEqual([
      200,
      'ok',
    ]);
    expect(await status('plein@example.org')).toBe('active');
    // "Permanent" for Mailgun, but the reply is a blocklist: the sender's, not the reader's.
    expect(
      await send(
        failed(
          'bloque@example.org',
          'permanent',
          550,
          '5.7.1 Client host blocked using zen.spamhaus.org',
          'ev-3',
        ),
      ),
    ).toEqual([200, 'ok']);
    expect(await status('bloque@example.org')).toBe('active');
    // A complaint: complained everywhere.
    expect(await send({ event: 'complained', id: 'ev-4', recipient: 'fache@example.org' })).toEqual([
      200,
      'ok',
    ]);
    expect(await status('fache@example.org')).toBe('complained');

    // Forged (another key), stale, replayed, malformed: 403 / 400, nobody changes.
    const forged = failed('forge@example.org', 'permanent', 550, '5.1.1 User unknown', 'ev-5');
    expect((await send(forged, signature('another-key-entirely-000')))[0]).toBe(403);
    expect((await send(forged, signature(KEY, Math.floor(Date.now() / 1000) - 3600)))[1]).toMatch(
      /timestamp outside/,
    );
    const once = signature();
    expect(await send({ event: 'delivered', id: 'ev-6', recipient: 'forge@example.org' }, once)).toEqual([
      200,
      'ok',
    ]);
    expect(await send({ ...forged, id: 'ev-7' }, once)).toEqual([403, '403 token already used (replay)']);
    expect((await send(forged, { ...signature(), signature: 'zz' }))[0]).toBe(403);
    expect((await post('not json')).status).toBe(400);
    expect((await post([1, 2])).status).toBe(400);
    expect((await post(null)).status).toBe(400);
    expect((await post({ signature: signature(), 'event-data': 'x' })).status).toBe(400);
    expect(await status('forge@example.org')).toBe('active');
  });

  it('is off (404) without MAILGUN_WEBHOOK_SIGNING_KEY', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-mailgun-'));
    t = await freshStore('sqlite');
    server = await startServe({
      config: loadConfig({ NUMERO_DATA_DIR: dir, UNSUBSCRIBE_SECRET: 's'.repeat(40), LOG_LEVEL: 'silent' }),
      store: t.store,
      secret: 's'.repeat(40),
      redis: { error: 'not needed here' },
      port: 0,
      host: '127.0.0.1',
      log: createLogger('mailgun-test', 'silent'),
    });
    const r = await fetch(`${server.url}/webhooks/mailgun`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(404);
  });
});

describe('provider webhook bodies of any JSON type', () => {
  it('are answered 400 (Postmark) or changed nothing (SES), never 500', async () => {
    const { postmarkReports, sesReports } = await import('../../src/events/providers.ts');
    for (const m of [
      'null',
      '[]',
      '"x"',
      '1',
      '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[null,1,"x"]}}',
    ])
      expect(sesReports(m).every((r) => r.kind === 'unknown' || r.recipient === null)).toBe(true);
    expect(postmarkReports({ Type: '__proto__' })[0]?.kind).toBe('unknown');
    expect(postmarkReports({ Type: 'constructor' })[0]?.kind).toBe('unknown');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-postmark-'));
    t = await freshStore('sqlite');
    server = await startServe({
      config: loadConfig({
        NUMERO_DATA_DIR: dir,
        UNSUBSCRIBE_SECRET: 's'.repeat(40),
        POSTMARK_WEBHOOK_USER: 'postmark',
        POSTMARK_WEBHOOK_PASSWORD: 'p'.repeat(24),
        LOG_LEVEL: 'silent',
      }),
      store: t.store,
      secret: 's'.repeat(40),
      redis: { error: 'not needed here' },
      port: 0,
      host: '127.0.0.1',
      log: createLogger('postmark-test', 'silent'),
    });
    const auth = `Basic ${Buffer.from(`postmark:${'p'.repeat(24)}`).toString('base64')}`;
    for (const body of [
      'null',
      '[]',
      '"x"',
      '7',
      '{"Type":"__proto__"}',
      '{"Type":"constructor","Email":{}}',
    ]) {
      const r = await fetch(`${server.url}/webhooks/postmark`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body,
      });
      expect([body, r.status]).toEqual([body, body.startsWith('{') ? 200 : 400]);
    }
  });
});
