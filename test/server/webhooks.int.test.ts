import { createSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { loadConfig } from '../../src/config.ts';
import { type SnsMessage, stringToSign } from '../../src/events/sns.ts';
import type { Listening } from '../../src/server/listen.ts';
import { startServe } from '../../src/server/serve.ts';
import {
  createList,
  insertMemberships,
  insertSubscribers,
  membership,
  suppressedAmong,
} from '../../src/store/audience.ts';
import { selfSignedCert } from '../helpers/certs.ts';
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

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:numero-ses';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
const SUBSCRIBE_URL = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;

const keyPair = (name: string) => selfSignedCert(dir, name);

function signed(
  m: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>,
  key: string,
  certUrl = CERT_URL,
): SnsMessage {
  const full = { ...m, SignatureVersion: '2', SigningCertURL: certUrl, Signature: '' } as SnsMessage;
  full.Signature = createSign('RSA-SHA256').update(stringToSign(full)).sign(key, 'base64');
  return full;
}

describe('provider webhooks on numero serve: SES through SNS, and Postmark', () => {
  it('verifies SNS signatures against the signing certificate, confirms the subscription, acts once; a bad signature, a foreign certificate URL or topic is 403 and changes nothing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-sns-'));
    const sns = await keyPair('sns.amazonaws.com');
    const forger = await keyPair('forger.example');
    t = await freshStore('sqlite');
    const store = t.store;
    const list = await createList(store.db, 'lecteurs');
    const subs = await insertSubscribers(
      store.db,
      ['dead@example.org', 'angry@example.org', 'fine@example.org'].map((e) => ({
        email: e,
        email_normalized: e,
        name: null,
        attributes: '{}',
      })),
    );
    await insertMemberships(
      store.db,
      subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
    );
    // They were sent a numéro: the provider's events are matched to those deliveries.
    await sentCampaign(store, { listId: list.id, subscriberIds: subs.map((s) => s.id) });
    const fetched: string[] = [];
    server = await startServe({
      config: loadConfig({
        NUMERO_DATA_DIR: dir,
        UNSUBSCRIBE_SECRET: 's'.repeat(40),
        SES_SNS_TOPIC_ARNS: TOPIC,
        POSTMARK_WEBHOOK_USER: 'postmark',
        POSTMARK_WEBHOOK_PASSWORD: 'p'.repeat(24),
        LOG_LEVEL: 'silent',
      }),
      store,
      secret: 's'.repeat(40),
      redis: { error: 'not needed here' },
      port: 0,
      host: '127.0.0.1',
      log: createLogger('webhook-test', 'silent'),
      // The network stops here: SNS's certificate is the test's own (no internet in tests).
      fetchText: async (url) => {
        fetched.push(url);
        if (url === CERT_URL) return sns.cert;
        if (url === SUBSCRIBE_URL) return '<ConfirmSubscriptionResponse/>';
        throw new Error(`unexpected fetch ${url}`);
      },
    });
    const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server?.url}${p}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', ...headers },
        body: JSON.stringify(body),
      });
    const base = { MessageId: 'm-1', TopicArn: TOPIC, Timestamp: '2026-12-02T10:00:00.000Z' };

    const confirm = signed(
      {
        ...base,
        Type: 'SubscriptionConfirmation',
        Message: 'confirm',
        Token: 'abc',
        SubscribeURL: SUBSCRIBE_URL,
      },
      sns.key,
    );
    const c = await post('/webhooks/ses', confirm);
    expect([c.status, await c.text()]).toEqual([200, 'subscription confirmed']);
    expect(fetched).toEqual([CERT_URL, SUBSCRIBE_URL]);

    const bounce = signed(
      {
        ...base,
        MessageId: 'm-2',
        Type: 'Notification',
        Message: JSON.stringify({
          notificationType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [
              {
                emailAddress: 'dead@example.org',
                status: '5.1.1',
                diagnosticCode: 'smtp; 550 5.1.1 user unknown',
              },
            ],
          },
          mail: { messageId: '0100018c-ses', headers: [{ name: 'X-Campaign-Id', value: '4' }] },
        }),
      },
      sns.key,
    );
    const b = await post('/webhooks/ses', bounce);
    expect([b.status, await b.text()]).toEqual([200, 'ok']);
    expect(await membership(store.db, list.id, subs[0]?.id ?? 0)).toBe('bounced');
    expect((await suppressedAmong(store.db, ['dead@example.org'])).get('dead@example.org')).toBe('bounced');
    expect(await (await post('/webhooks/ses', bounce)).text()).toBe('already processed');

    const complaint = (key: string, certUrl = CERT_URL, topic = TOPIC) =>
      signed(
        {
          ...base,
          TopicArn: topic,
          MessageId: `m-3-${certUrl.length}-${topic.length}`,
          Type: 'Notification',
          Message: JSON.stringify({
            notificationType: 'Complaint',
            complaint: {
              complainedRecipients: [{ emailAddress: 'angry@example.org' }],
              complaintFeedbackType: 'abuse',
            },
          }),
        },
        key,
        certUrl,
      );
    const refused = [
      await post('/webhooks/ses', complaint(forger.key)),
      await post('/webhooks/ses', {
        ...complaint(sns.key),
        Message: JSON.stringify({
          notificationType: 'Complaint',
          complaint: { complainedRecipients: [{ emailAddress: 'fine@example.org' }] },
        }),
      }),
      await post(
        '/webhooks/ses',
        complaint(forger.key, 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem'),
      ),
      await post('/webhooks/ses', complaint(forger.key, 'http://sns.eu-west-1.amazonaws.com/cert.pem')),
      await post(
        '/webhooks/ses',
        complaint(sns.key, CERT_URL, 'arn:aws:sns:eu-west-1:999999999999:someone-else'),
      ),
    ];
    expect(await Promise.all(refused.map(async (r) => [r.status, (await r.text()).slice(0, 60)]))).toEqual([
      [403, '403 bad signature'],
      [403, '403 bad signature'],
      [403, '403 SigningCertURL is not an https://sns.REGION.amazonaws.co'],
      [403, '403 SigningCertURL is not an https://sns.REGION.amazonaws.co'],
      [403, '403 Topic not allowed (SES_SNS_TOPIC_ARNS)'],
    ]);
    expect(fetched).toEqual([CERT_URL, SUBSCRIBE_URL]); // never fetched from elsewhere
    expect(await membership(store.db, list.id, subs[1]?.id ?? 0)).toBe('active');
    expect(await membership(store.db, list.id, subs[2]?.id ?? 0)).toBe('active');

    const ok = await post('/webhooks/ses', complaint(sns.key));
    expect(ok.status).toBe(200);
    expect(await membership(store.db, list.id, subs[1]?.id ?? 0)).toBe('complained');

    // Postmark: basic auth, as Postmark documents; wrong credentials change nothing.
    const auth = (user: string, pass: string) => ({
      Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
      'Content-Type': 'application/json',
    });
    const pm = {
      RecordType: 'Bounce',
      ID: 42,
      Type: 'HardBounce',
      TypeCode: 1,
      Email: 'fine@example.org',
      Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist',
    };
    expect((await post('/webhooks/postmark', pm, auth('postmark', 'wrong-password-123456'))).status).toBe(
      403,
    );
    expect((await post('/webhooks/postmark', pm, { 'Content-Type': 'application/json' })).status).toBe(403);
    expect(await membership(store.db, list.id, subs[2]?.id ?? 0)).toBe('active');
    const good = await post('/webhooks/postmark', pm, auth('postmark', 'p'.repeat(24)));
    expect([good.status, await good.text()]).toEqual([200, 'ok']);
    expect(await membership(store.db, list.id, subs[2]?.id ?? 0)).toBe('bounced');
    expect(await (await post('/webhooks/postmark', pm, auth('postmark', 'p'.repeat(24)))).text()).toBe(
      'already processed',
    );
  });
});
