import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContext } from '../../src/content/load.ts';
import { prepareIssue, requireReady } from '../../src/render/prepare.ts';
import { sendTest } from '../../src/send/test-send.ts';
import { listen } from '../../src/server/listen.ts';
import { publicApp } from '../../src/server/public/app.ts';
import { createList, insertMemberships, insertSubscribers } from '../../src/store/audience.ts';
import { DIRS, PUBLIC_URL } from '../helpers/fixtures.ts';
import { ISSUE } from '../helpers/send-harness.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let sink: SmtpSink | undefined;
let t: TestStore | undefined;
afterEach(async () => {
  await sink?.close();
  await t?.dispose();
});

const SECRET = 's'.repeat(40);

describe('a test send from the preview is built like a real send', () => {
  it('carries the same headers and a DKIM signature, and its unsubscribe link changes nothing', async () => {
    sink = await startSmtpSink();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ready = requireReady(
      await prepareIssue(ISSUE, loadContext(DIRS), { ...DIRS, publicUrl: PUBLIC_URL }),
    );
    const result = await sendTest({
      compiled: ready.compiled,
      newsletter: ready.issue.newsletter,
      reader: { email: 'x@example.org', firstName: 'Aigerim' },
      to: 'editrice@example.be',
      smtpUrl: sink.url,
      settings: {
        secret: SECRET,
        publicUrl: PUBLIC_URL,
        mailtoDomain: 'lettre.example.org',
        bounceDomain: undefined,
        dkim: {
          domainName: 'bruxelles-korner.example',
          keySelector: 'numero',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
    });
    const [m] = await sink.waitFor(1);
    if (!m) throw new Error('no message');
    const raw = m.raw.toString();
    expect(m.envelope.to).toEqual(['editrice@example.be']);
    expect(m.envelope.from).toBe('bounces+test@bruxelles-korner.example');
    expect(m.parsed.subject).toMatch(/^\[TEST\] Numéro 37/);
    expect(m.parsed.html).toContain('Bonjour Aigerim,');
    expect(m.parsed.messageId).toBe(result.messageId);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(raw).toMatch(/^List-Id: <test\.bruxelles-korner\.example>\r$/m);
    expect(raw).toMatch(/^X-Numero-Test: yes\r$/m);
    const listUnsub = String(/^List-Unsubscribe:\s*([\s\S]*?)\r\n(?=\S)/m.exec(raw)?.[1]).replace(
      /\r\n\s+/g,
      ' ',
    );
    expect(listUnsub).toContain('<mailto:unsubscribe+0.0.test.');
    const url = /<(https:\/\/lettre\.example\.org\/unsubscribe\/0\.0\.test\.[a-z2-7]+)>/.exec(listUnsub)?.[1];
    expect(url).toBeDefined();
    expect(m.parsed.html).toContain(url);

    const p = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const { results } = await dkimVerify(m.raw, {
      resolver: async (name: string, type: string) => {
        if (type === 'TXT' && name === 'numero._domainkey.bruxelles-korner.example')
          return [[`v=DKIM1; k=rsa; p=${p}`]];
        throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
      },
    });
    expect(results[0]?.status.result).toBe('pass');

    // The proof's one-click on the real public server: 200, the test page, and nothing changes.
    t = await freshStore('sqlite');
    const list = await createList(t.store.db, 'lecteurs');
    const subs = await insertSubscribers(t.store.db, [
      { email: 'a@example.org', email_normalized: 'a@example.org', name: null, attributes: '{}' },
    ]);
    await insertMemberships(
      t.store.db,
      subs.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
    );
    const server = await listen(
      publicApp({ store: t.store, secret: SECRET, defaultLang: 'fr', rateLimitPerMinute: 100 }),
      0,
      '127.0.0.1',
    );
    try {
      const res = await fetch(`${server.url}${new URL(url ?? '').pathname}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Exemplaire de test');
    } finally {
      await server.close();
    }
    expect(
      await t.store.db.selectFrom('events').selectAll().where('type', '=', 'unsubscribed').execute(),
    ).toEqual([]);
    expect(await t.store.db.selectFrom('memberships').select('status').execute()).toEqual([
      { status: 'active' },
    ]);
  });
});
