import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { loadConfig } from '../../src/config.ts';
import { type InboundSmtp, startInboundSmtp } from '../../src/events/inbound-smtp.ts';
import { selfSignedCert } from '../helpers/certs.ts';
import { numero } from '../helpers/cli.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/bounces');
let dir = '';
let t: TestStore | undefined;
let listener: InboundSmtp | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
  await t?.dispose();
  t = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('numero bounces and suppressions from the command line', () => {
  it('classify prints one JSON line per reported recipient; process acts; suppressions list, add and remove (logged)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bounces-cli-'));
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'numero.db')}`, NUMERO_DATA_DIR: dir };
    const files = ['postfix-multi-recipient.eml', 'ooo-french.eml'].map((f) => path.join(FIXTURES, f));
    const c = await numero(['bounces', 'classify', ...files], env);
    expect(c.code).toBe(0);
    expect(
      c.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        file: files[0],
        kind: 'hard',
        recipient: 'a@example.org',
        status: '5.1.1',
        reason: 'userunknown',
        fault: 'recipient',
        campaign: '12',
        subscriber: '345',
      },
      {
        file: files[0],
        kind: 'soft',
        recipient: 'c@example.com',
        status: '5.2.2',
        reason: 'mailboxfull',
        fault: 'recipient',
        campaign: '12',
        subscriber: '345',
      },
      { file: files[1], kind: 'autoreply', recipient: null, status: null, campaign: '12', subscriber: '345' },
    ]);
    expect((await numero(['bounces', 'classify', path.join(dir, 'missing.eml')], env)).stderr).toMatch(
      /missing\.eml: no such file/,
    );

    expect((await numero(['lists', 'create', 'lecteurs'], env)).code).toBe(0);
    expect(
      (await numero(['subscribers', 'add', 'lecteur@example.org', '--list', 'lecteurs'], env)).code,
    ).toBe(0);
    const dsn = path.join(FIXTURES, 'dsn-generic-5.0.0-unavailable.eml');
    const bounced = fs
      .readFileSync(dsn, 'utf8')
      .replaceAll('vide@example.org', 'lecteur@example.org')
      .replaceAll('bounces+12.345', 'bounces+12.1');
    const file = path.join(dir, 'dsn.eml');
    fs.writeFileSync(file, bounced);
    // A DSN naming a campaign that was never sent: recorded, unattributed, nobody touched.
    const p = await numero(['bounces', 'process', file], env);
    expect(p.stdout).toMatch(
      /dsn\.eml: hard lecteur@example\.org 5\.0\.0: unattributed: names a delivery \(old format\) that is not in the ledger/,
    );
    expect((await numero(['bounces', 'process', file], env)).stdout).toMatch(
      /already processed \(same message\), nothing changed/,
    );
    const listed = await numero(['bounces', 'list', '--unattributed'], env);
    expect(listed.stdout).toMatch(/file {2}hard {2}- {2}lecteur@example\.org {2}5\.0\.0 {2}unattributed/);

    expect(
      (await numero(['suppressions', 'add', 'Troll@Example.org', '--detail', 'asked by phone'], env)).stdout,
    ).toBe('troll@example.org suppressed\n');
    const list = await numero(['suppressions', 'list'], env);
    expect(list.stdout).toMatch(/troll@example\.org {2}manual {2}cli {2}asked by phone/);
    expect(list.stdout).not.toMatch(/lecteur@example\.org/);
    expect(
      (await numero(['suppressions', 'list', '--search', 'troll'], env)).stdout.trim().split('\n'),
    ).toHaveLength(1);
    expect((await numero(['suppressions', 'remove', 'troll@example.org'], env)).stdout).toMatch(
      /suppression lifted \(logged\)/,
    );
    expect((await numero(['suppressions', 'remove', 'troll@example.org'], env)).stdout).toMatch(
      /was not suppressed/,
    );
    const lists = await numero(['lists'], env);
    expect(lists.stdout).toMatch(/lecteurs\s+fr\s+1\s+0\s+0\s+0\s+1/); // active again
  });

  it('advertises the mailto unsubscribe only when something receives it', () => {
    const base = { UNSUBSCRIBE_SECRET: 's'.repeat(40) };
    expect(loadConfig(base).unsubscribeMailtoDomain).toBeNull();
    expect(
      loadConfig({ ...base, BOUNCE_DOMAIN: 'bounce.lettre.example' }).unsubscribeMailtoDomain,
    ).toBeNull();
    expect(
      loadConfig({ ...base, BOUNCE_DOMAIN: 'bounce.lettre.example', INBOUND_SMTP_PORT: '2525' })
        .unsubscribeMailtoDomain,
    ).toBe('bounce.lettre.example');
    expect(loadConfig({ ...base, UNSUBSCRIBE_MAILTO_DOMAIN: 'lettre.example' }).unsubscribeMailtoDomain).toBe(
      'lettre.example',
    );
  });

  it('the listener offers STARTTLS with a certificate, and not without', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-inbound-tls-'));
    const { keyFile: key, certFile: cert } = await selfSignedCert(dir, 'bounce.lettre.example');
    t = await freshStore('sqlite');
    const open = (tls: { key: string; cert: string } | null) =>
      startInboundSmtp({
        store: (t as TestStore).store,
        settings: { softBounceLimit: 3, keepDays: 30 },
        host: '127.0.0.1',
        port: 0,
        domains: ['bounce.lettre.example'],
        maxBytes: 100_000,
        maxClients: 2,
        tls,
        log: createLogger('tls-test', 'silent'),
      });
    const sendOver = (port: number) =>
      nodemailer
        .createTransport({
          host: '127.0.0.1',
          port,
          secure: false,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
        })
        .sendMail({
          envelope: { from: 'MAILER-DAEMON@mx.example.org', to: ['bounces+1.1@bounce.lettre.example'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        });
    listener = await open({ key, cert });
    await expect(sendOver(listener.port)).resolves.toMatchObject({
      accepted: ['bounces+1.1@bounce.lettre.example'],
    });
    await listener.close();
    listener = await open(null);
    await expect(sendOver(listener.port)).rejects.toThrow(/STARTTLS/);
  });
});
