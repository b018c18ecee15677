import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importCsv, type Rejection } from '../../src/audience/import.ts';
import { createList, subscribersByNormalized } from '../../src/store/audience.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore;
let dir: string;
beforeEach(async () => {
  t = await freshStore('sqlite');
  await createList(t.store.db, 'lecteurs');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-sheets-'));
});
afterEach(async () => {
  await t.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function load(name: string, body: string | Buffer) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  const rejected: Rejection[] = [];
  const summary = await importCsv(t.store, { file, list: 'lecteurs', onReject: (r) => rejected.push(r) });
  const one = async (email: string) => (await subscribersByNormalized(t.store.db, [email]))[0];
  return { summary, rejected, one };
}

describe('files as spreadsheets write them', () => {
  it('reads semicolons (French Excel, with a BOM and CRLF) and tabs', async () => {
    const semi = await load(
      'semi.csv',
      '\uFEFFemail;name;ville\r\nlea@example.fr;Léa;Liège\r\nmarc@example.be;"Marc; dit Marco";Bruxelles\r\n',
    );
    expect(semi.summary).toMatchObject({ added: 2, rejected: 0 });
    expect(await semi.one('marc@example.be')).toMatchObject({
      name: 'Marc; dit Marco',
      attributes: '{"ville":"Bruxelles"}',
    });
    const tabs = await load('tabs.tsv', 'email\tname\ncity@example.kz\tDana\n');
    expect(tabs.summary).toMatchObject({ added: 1, rejected: 0 });
    expect((await tabs.one('city@example.kz'))?.name).toBe('Dana');
  });

  it('keeps a row with a quote inside an unquoted field, once', async () => {
    const r = await load(
      'quotes.csv',
      'email,name,lieu\njean@example.fr,Jean "Jojo" Dupont,37°36\'37.8"N\nzoe@example.fr,Zoé,Paris\n',
    );
    expect(r.summary).toMatchObject({ rows: 2, added: 2, rejected: 0 });
    expect(await r.one('jean@example.fr')).toMatchObject({
      name: 'Jean "Jojo" Dupont',
      attributes: '{"lieu":"37°36\'37.8\\"N"}',
    });
  });

  it('an address cell written "Marie Curie <marie@example.fr>" gives the address and the name', async () => {
    const r = await load(
      'names.csv',
      'email,name\nMarie Curie <marie@example.fr>,\n"""Curie, Pierre"" <pierre@example.fr>",Pierre C.\n',
    );
    expect(r.summary).toMatchObject({ added: 2, rejected: 0 });
    expect(await r.one('marie@example.fr')).toMatchObject({ email: 'marie@example.fr', name: 'Marie Curie' });
    expect(await r.one('pierre@example.fr')).toMatchObject({ name: 'Pierre C.' }); // a name column wins
  });
});
