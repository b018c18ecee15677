import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importCsv, type Rejection } from '../../src/audience/import.ts';
import { nameParts } from '../../src/audience/names.ts';
import {
  createList,
  type List,
  membership,
  subscribersByNormalized,
  suppressedAmong,
} from '../../src/store/audience.ts';
import { numero } from '../helpers/cli.ts';
import { exportCsv } from '../helpers/export-csv.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/imports');
const fixture = (name: string) => path.join(FIXTURES, name);

describe.each(BACKENDS)('imports from other tools and spreadsheets on %s', (backend) => {
  let t: TestStore;
  let list: List;
  let rejects: Rejection[];
  beforeEach(async () => {
    t = await freshStore(backend);
    list = await createList(t.store.db, 'hebdo');
    rejects = [];
  });
  afterEach(async () => {
    await t.dispose();
  });

  const load = (file: string, extra: { from?: string; encoding?: string; update?: boolean } = {}) =>
    importCsv(t.store, { file: fixture(file), list: 'hebdo', onReject: (r) => rejects.push(r), ...extra });
  const reader = async (email: string) => {
    const [s] = await subscribersByNormalized(t.store.db, [email]);
    if (!s) return undefined;
    return {
      email: s.email,
      name: s.name,
      attributes: JSON.parse(s.attributes) as Record<string, string>,
      status: await membership(t.store.db, list.id, s.id),
    };
  };
  const suppressed = async (email: string) => (await suppressedAmong(t.store.db, [email])).get(email);

  it('Mailchimp: the subscribed, unsubscribed and cleaned files, names joined, system columns dropped', async () => {
    const a = await load('mailchimp-subscribed.csv');
    expect(a).toMatchObject({ format: 'mailchimp', added: 2, rejected: 0 });
    expect(await reader('aigerim@example.kz')).toMatchObject({
      name: 'Aigerim Nurlanovna',
      status: 'active',
      attributes: { TAGS: '"Lecteurs fidèles","Almaty"' },
    });
    const jean = await reader('jean.dupont@example.fr');
    expect(jean?.attributes).toEqual({
      Address: '12 rue de la Paix  Paris  75002  FR',
      'Phone Number': '+33 1 23 45 67 89',
      // The first name as given apart, so that the greeting never takes the last name for it.
      first_name: 'Jean',
    });
    expect(await load('mailchimp-unsubscribed.csv')).toMatchObject({ format: 'mailchimp', left: 1 });
    expect(await reader('marat@example.kz')).toMatchObject({
      name: 'Marat Seitkali',
      status: 'unsubscribed',
    });
    expect(await suppressed('marat@example.kz')).toBeUndefined();
    expect(await load('mailchimp-cleaned.csv')).toMatchObject({ left: 1 });
    expect(await reader('ancien.lecteur@example.org')).toMatchObject({ status: 'bounced' });
    expect(await suppressed('ancien.lecteur@example.org')).toBe('bounced');
    expect(rejects).toEqual([]);
  });

  it('Substack: email_disabled is an unsubscribe; plan columns kept', async () => {
    expect(await load('substack.csv')).toMatchObject({ format: 'substack', added: 2, left: 1 });
    expect(await reader('stopped@example.com')).toMatchObject({ status: 'unsubscribed' });
    expect(await reader('paid.reader@example.com')).toMatchObject({
      status: 'active',
      attributes: { active_subscription: 'true', plan: 'yearly', expiry: '2026-12-01T00:00:00.000Z' },
    });
  });

  it('beehiiv: active, inactive (unsubscribed), invalid (bounced); pending readers are not imported', async () => {
    expect(await load('beehiiv.csv')).toMatchObject({ format: 'beehiiv', added: 1, left: 2, rejected: 1 });
    expect(await reader('bakyt@example.kz')).toMatchObject({
      status: 'active',
      attributes: { utm_source: 'twitter', subscription_tier: 'free' },
    });
    expect(await reader('gone@example.com')).toMatchObject({ status: 'unsubscribed' });
    expect(await reader('dead@example.com')).toMatchObject({ status: 'bounced' });
    expect(await reader('notyet@example.com')).toBeUndefined();
    expect(rejects).toEqual([
      {
        line: 5,
        email: 'notyet@example.com',
        reason: expect.stringMatching(/pending: the reader never confirmed/),
      },
    ]);
  });

  it('Ghost: subscribed_to_emails false is an unsubscribe; labels and note kept, ids dropped', async () => {
    expect(await load('ghost.csv')).toMatchObject({ format: 'ghost', added: 1, left: 1 });
    expect(await reader('jamie@example.com')).toEqual({
      email: 'jamie@example.com',
      name: 'Jamie Larson',
      status: 'active',
      attributes: {
        note: 'Rencontrée à Almaty',
        labels: 'Lecteurs, Presse',
        complimentary_plan: 'false',
        tiers: 'Free',
      },
    });
    expect(await reader('quiet@example.com')).toMatchObject({ status: 'unsubscribed' });
  });

  it('listmonk: JSON attributes spread out; disabled unsubscribed; blocklisted suppressed; bad JSON named', async () => {
    expect(await load('listmonk.csv')).toMatchObject({ format: 'listmonk', added: 1, rejected: 1 });
    expect(await reader('dana@example.kz')).toMatchObject({
      name: 'Dana Akhmetova',
      status: 'active',
      attributes: { city: 'Astana', projects: '3' },
    });
    expect(await reader('off@example.com')).toMatchObject({ status: 'unsubscribed' });
    expect(await suppressed('blocked@example.com')).toBe('blocklisted');
    expect(rejects).toEqual([
      { line: 5, email: 'badjson@example.com', reason: 'attributes: not valid JSON' },
    ]);
  });

  it('Brevo: semicolons, EMAIL, PRENOM and NOM', async () => {
    expect(await load('brevo.csv')).toMatchObject({ format: 'brevo', delimiter: ';', added: 2 });
    expect(await reader('sophie.leroy@example.fr')).toMatchObject({
      name: 'Sophie Leroy',
      attributes: { SMS: '+33612345678', 'DOUBLE_OPT-IN': 'Yes' },
    });
  });

  it('--from forces a format, and says which column it misses', async () => {
    await expect(load('substack.csv', { from: 'mailchimp' })).rejects.toThrow(
      /substack\.csv:1: header: no "email address" column \(expected in a mailchimp export\)/,
    );
    await expect(load('substack.csv', { from: 'hubspot' })).rejects.toThrow(
      /--from hubspot: expected one of numero, mailchimp/,
    );
  });

  it('reads ; and tab delimiters, CRLF, lone CR and a BOM the same way, accents intact', async () => {
    for (const f of ['semicolon.csv', 'tab.tsv']) {
      expect(await load(f)).toMatchObject({ rows: 2, rejected: 0 });
    }
    expect(await reader('yerlan@example.kz')).toMatchObject({
      name: 'Yerlan',
      attributes: { ville: 'Astana' },
    });
    for (const f of ['crlf.csv', 'cr-only.csv', 'bom.csv']) {
      const s = await load(f);
      expect(s, f).toMatchObject({ rows: 2, rejected: 0, encoding: 'utf-8', guessedEncoding: false });
      expect(await reader('zoe@example.fr'), f).toMatchObject({
        name: 'Zoë « Zo » Œuvre',
        attributes: { ville: 'Nancy' },
      });
    }
    expect(rejects).toEqual([]);
  });

  it('reads a Windows-1252 file as such and says so; UTF-16 from Excel by its BOM; never stores U+FFFD', async () => {
    expect(await load('windows-1252.csv')).toMatchObject({
      rows: 3,
      rejected: 0,
      encoding: 'windows-1252',
      guessedEncoding: true,
    });
    expect(await reader('rene@example.fr')).toMatchObject({
      name: 'René Müller',
      attributes: { ville: 'Besançon' },
    });
    expect(await reader('euro@example.fr')).toMatchObject({ name: 'Prix 5 €' });
    expect(await load('utf-16le.txt')).toMatchObject({
      rows: 2,
      rejected: 0,
      encoding: 'utf-16le',
      delimiter: '\t',
    });
    expect(await reader('zoe@example.fr')).toMatchObject({ name: 'Zoë « Zo » Œuvre' });
    // Forced as UTF-8, the same bytes would be damaged: those rows are refused, by line, never stored.
    expect(await load('replacement-char.csv')).toMatchObject({ added: 1, rejected: 1 });
    expect(rejects).toEqual([
      { line: 3, email: 'broken@example.fr', reason: expect.stringMatching(/U\+FFFD/) },
    ]);
    expect(await reader('broken@example.fr')).toBeUndefined();
  });

  it('keeps quotes inside unquoted cells; an unclosed quote costs its line only, each row counted once', async () => {
    expect(await load('quotes-inside.csv')).toMatchObject({ rows: 2, added: 2, rejected: 0 });
    expect(await reader('jojo@example.fr')).toMatchObject({
      name: 'Jean "Jojo" Dupont',
      attributes: { position: `37°36'37.8"N` },
    });
    const s = await load('unclosed-quote.csv');
    expect(s).toMatchObject({ rows: 5, added: 4, rejected: 1 });
    expect(rejects).toEqual([{ line: 3, email: '', reason: expect.stringMatching(/quote \(".*not closed/) }]);
    for (const e of ['a', 'c', 'd', 'e']) expect(await reader(`${e}@example.org`), e).toBeDefined();
    expect(await reader('d@example.org')).toMatchObject({ name: 'Marie "Mimi" D' });

    rejects = [];
    expect(await load('unclosed-at-end.csv')).toMatchObject({ rows: 3, rejected: 1 });
    expect(rejects).toEqual([{ line: 3, email: '', reason: expect.stringMatching(/not closed/) }]);
    expect(await reader('c@example.org')).toMatchObject({ name: 'Chloé' });
  });

  it('takes the address and the name from "Name <address>" cells', async () => {
    expect(await load('name-in-address.csv')).toMatchObject({ added: 2 });
    expect(await reader('marie@example.fr')).toMatchObject({
      name: 'Marie Curie',
      attributes: { ville: 'Paris' },
    });
    expect(await reader('jean@example.fr')).toMatchObject({ name: 'Dupont, Jean' });
  });
});

describe.each(BACKENDS)('one reader, one subscriber, across lists, on %s', (backend) => {
  let t: TestStore;
  let dir: string;
  beforeEach(async () => {
    t = await freshStore(backend);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-case-'));
  });
  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, body: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };

  it('addresses differing only in letter case are one reader, sent to as first given, and the summary says so', async () => {
    await createList(t.store.db, 'hebdo');
    const s = await importCsv(t.store, {
      file: write(
        'a.csv',
        'email,name\nJean.Dupont@Gmail.com,Jean\njean.dupont@gmail.com,\nJEAN.DUPONT@GMAIL.COM,\n',
      ),
      list: 'hebdo',
    });
    expect(s).toMatchObject({ added: 1, caseVariants: 2 });
    const again = await importCsv(t.store, {
      file: write('b.csv', 'email\njean.dupont@gmail.com\n'),
      list: 'hebdo',
    });
    expect(again).toMatchObject({ added: 0, unchanged: 1, caseVariants: 1 });
    const [one, ...none] = await t.store.db.selectFrom('subscribers').selectAll().execute();
    expect(none).toEqual([]);
    expect(one?.email).toBe('Jean.Dupont@Gmail.com');
  });

  it('an import into list B that renames a reader of list A says so; --no-update keeps the old values', async () => {
    await createList(t.store.db, 'a');
    await createList(t.store.db, 'b');
    await importCsv(t.store, {
      file: write('a.csv', 'email,name\nlea@example.fr,Léa\nzh@example.kz,Zhanna\n'),
      list: 'a',
    });
    const file = write('b.csv', 'email,name\nlea@example.fr,Léa Martin\nzh@example.kz,Zhanna\n');
    const kept = await importCsv(t.store, { file, list: 'b', update: false });
    expect(kept).toMatchObject({ added: 2, updated: 0, notUpdated: 1, updatedElsewhere: 0 });
    expect((await subscribersByNormalized(t.store.db, ['lea@example.fr']))[0]?.name).toBe('Léa');
    await createList(t.store.db, 'c');
    const renamed = await importCsv(t.store, { file, list: 'c' });
    expect(renamed).toMatchObject({ added: 2, updated: 1, updatedElsewhere: 1 });
    expect((await subscribersByNormalized(t.store.db, ['lea@example.fr']))[0]?.name).toBe('Léa Martin');
  });

  it('separate first and last names keep the first name, so a reader with only a last name is not greeted by it', async () => {
    const hebdo = await createList(t.store.db, 'hebdo');
    await importCsv(t.store, {
      file: write(
        'brevo.csv',
        'EMAIL;PRENOM;NOM;SMS\npeeters@example.be;;Peeters;\nmc@example.fr;Marie Claire;Dupont;\n',
      ),
      list: 'hebdo',
    });
    const [peeters] = await subscribersByNormalized(t.store.db, ['peeters@example.be']);
    const [mc] = await subscribersByNormalized(t.store.db, ['mc@example.fr']);
    expect(nameParts(peeters?.name ?? null, JSON.parse(peeters?.attributes ?? '{}'))).toEqual({
      firstName: undefined,
      lastName: 'Peeters',
    });
    expect(nameParts(mc?.name ?? null, JSON.parse(mc?.attributes ?? '{}'))).toEqual({
      firstName: 'Marie Claire',
      lastName: 'Dupont',
    });
    // numero's own export carries it as a column, and reads it back.
    const csv = await exportCsv(t.store, hebdo.id);
    expect(csv.split('\n')[0]).toContain('first_name');
    await createList(t.store.db, 'copie');
    await importCsv(t.store, { file: write('back.csv', csv), list: 'copie' });
    const [again] = await subscribersByNormalized(t.store.db, ['peeters@example.be']);
    expect(JSON.parse(again?.attributes ?? '{}')).toEqual({ first_name: '' });
  });

  it('the CLI reports format, encoding, case variants and renames in words', async () => {
    const db = path.join(dir, 'cli.db');
    const env = { DATABASE_URL: `sqlite:${db}` };
    expect((await numero(['lists', 'create', 'hebdo'], env)).code).toBe(0);
    const r = await numero(['subscribers', 'import', fixture('windows-1252.csv'), '--list', 'hebdo'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 added/);
    expect(r.stdout).toMatch(/not valid UTF-8: read as Windows-1252/);
    const m = await numero(
      ['subscribers', 'import', fixture('mailchimp-subscribed.csv'), '-l', 'hebdo'],
      env,
    );
    expect(m.stdout).toMatch(/read as a mailchimp export/);
    const twice = path.join(dir, 'twice.csv');
    fs.writeFileSync(
      twice,
      'email,name\nnew@example.kz,Nurlan\nother@example.kz,O\nNEW@example.kz,Nurlan B.\n',
    );
    const d = await numero(['subscribers', 'import', twice, '-l', 'hebdo'], env);
    expect(d.stderr).toContain('twice.csv:4: NEW@example.kz: repeats line 2: merged into one reader');
    expect(d.stdout).toMatch(/2 added, 0 updated, 0 unchanged, 0 rejected/);
    expect(d.stdout).toMatch(/1 rows repeat an address given on an earlier line/);
    const bad = await numero(['subscribers', 'import', fixture('unclosed-quote.csv'), '-l', 'hebdo'], env);
    expect(bad.code).toBe(0);
    expect(bad.stderr).toMatch(/unclosed-quote\.csv:3: a quote/);
    expect(bad.stdout).toMatch(/4 added, 0 updated, 0 unchanged, 1 rejected/);
  });
});
