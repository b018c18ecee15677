import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'csv-stringify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportMembers } from '../../src/audience/export.ts';
import { type Duplicate, importCsv, type Rejection } from '../../src/audience/import.ts';
import {
  createList,
  eventsOf,
  listCounts,
  membership,
  subscribersByNormalized,
  suppress,
} from '../../src/store/audience.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

const CSV = `email,name,city,plan
aigerim@example.kz,Aigerim,Almaty,pro
pas-une-adresse,X,,
claire@Example.BE,Claire,Bruxelles,
info@казахстан.kz,Инфо,Astana,
a..b@example.org,Double Dot,,
claire@example.be,Claire Dubois,,free
,Sans adresse,,
nursultan@example.kz,Nursultan,,
`;

describe.each(BACKENDS)('subscribers import on %s', (backend) => {
  let t: TestStore;
  let dir: string;
  const write = (name: string, body: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };

  beforeEach(async () => {
    t = await freshStore(backend);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-csv-'));
    await createList(t.store.db, 'lecteurs');
  });
  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports every bad row with its line and reason, merges duplicates, and imports the rest', async () => {
    const rejects: Rejection[] = [];
    const repeats: Duplicate[] = [];
    const file = write('a.csv', CSV);
    const summary = await importCsv(t.store, {
      file,
      list: 'lecteurs',
      onReject: (r) => rejects.push(r),
      onDuplicate: (d) => repeats.push(d),
    });
    expect(repeats).toEqual([{ line: 7, firstLine: 4, email: 'claire@example.be' }]);
    expect(rejects).toEqual([
      { line: 3, email: 'pas-une-adresse', reason: 'no @' },
      { line: 6, email: 'a..b@example.org', reason: 'invalid local part "a..b"' },
      { line: 8, email: '', reason: 'empty' },
    ]);
    expect(summary).toEqual({
      rows: 8,
      added: 4,
      updated: 0,
      unchanged: 0,
      rejected: 3,
      kept: 0,
      resubscribed: 0,
      left: 0,
      updatedElsewhere: 0,
      notUpdated: 0,
      caseVariants: 1,
      duplicates: 1,
      format: 'numero',
      encoding: 'utf-8',
      guessedEncoding: false,
      delimiter: ',',
    });
    const [claire] = await subscribersByNormalized(t.store.db, ['claire@example.be']);
    expect(claire?.email).toBe('claire@Example.BE'); // sent as first given
    expect(claire?.name).toBe('Claire Dubois');
    expect(JSON.parse(claire?.attributes ?? '{}')).toEqual({ city: 'Bruxelles', plan: 'free' });
    const [idn] = await subscribersByNormalized(t.store.db, ['info@xn--80aaa0anw0aiz.kz']);
    expect(idn?.email).toBe('info@казахстан.kz');
    expect((await listCounts(t.store.db))[0]).toMatchObject({ name: 'lecteurs', active: 4, total: 4 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const file = write('a.csv', CSV);
    await importCsv(t.store, { file, list: 'lecteurs' });
    const eventsBefore = await t.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const again = await importCsv(t.store, { file, list: 'lecteurs' });
    expect(again).toEqual({
      rows: 8,
      added: 0,
      updated: 0,
      unchanged: 4,
      rejected: 3,
      kept: 0,
      resubscribed: 0,
      left: 0,
      updatedElsewhere: 0,
      notUpdated: 0,
      caseVariants: 1,
      duplicates: 1,
      format: 'numero',
      encoding: 'utf-8',
      guessedEncoding: false,
      delimiter: ',',
    });
    const eventsAfter = await t.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(Number(eventsAfter?.n)).toBe(Number(eventsBefore?.n));
  });

  it('reports a repeated address with both lines, in one batch or far apart, and merges it into one reader', async () => {
    // Rows 2..2501 (three batches of BATCH_ROWS): lecteur0 repeated at once with a new name, lecteur5
    // repeated 2,000 lines later saying it left, lecteur7 repeated identically far away.
    const rows = ['email,name,status'];
    for (let i = 0; i < 2500; i++) rows.push(`lecteur${i}@example.org,Lecteur ${i},active`);
    rows.splice(3, 0, 'Lecteur0@example.org,Aïgerim,active'); // line 4
    rows.push('lecteur5@example.org,Lecteur 5,unsubscribed'); // line 2503 (lecteur5 was line 8)
    rows.push('lecteur7@example.org,Lecteur 7,active'); // line 2504 (lecteur7 was line 10)
    const repeats: Duplicate[] = [];
    const s = await importCsv(t.store, {
      file: write('big.csv', `${rows.join('\n')}\n`),
      list: 'lecteurs',
      onDuplicate: (d) => repeats.push(d),
    });
    expect(repeats).toEqual([
      { line: 4, firstLine: 2, email: 'Lecteur0@example.org' },
      { line: 2503, firstLine: 8, email: 'lecteur5@example.org' },
      { line: 2504, firstLine: 10, email: 'lecteur7@example.org' },
    ]);
    expect(s).toMatchObject({
      rows: 2503,
      added: 2500,
      duplicates: 3,
      unchanged: 0,
      left: 1,
      caseVariants: 1,
    });
    const [first] = await subscribersByNormalized(t.store.db, ['lecteur0@example.org']);
    expect(first?.name).toBe('Aïgerim');
    const [left] = await subscribersByNormalized(t.store.db, ['lecteur5@example.org']);
    expect(await membership(t.store.db, 1, left?.id ?? 0)).toBe('unsubscribed');
    expect((await listCounts(t.store.db))[0]).toMatchObject({ active: 2499, total: 2500 });
  });

  it('updates changed attributes and counts them', async () => {
    await importCsv(t.store, {
      file: write('a.csv', 'email,city\naigerim@example.kz,Almaty\n'),
      list: 'lecteurs',
    });
    const s = await importCsv(t.store, {
      file: write('b.csv', 'email,city\naigerim@example.kz,Astana\n'),
      list: 'lecteurs',
    });
    expect(s).toMatchObject({ added: 0, updated: 1, unchanged: 0 });
  });

  it('never re-activates an unsubscribed or suppressed reader unless --resubscribe says so, and logs it', async () => {
    const file = write('a.csv', 'email,name\naigerim@example.kz,Aigerim\nclaire@example.be,Claire\n');
    await importCsv(t.store, { file, list: 'lecteurs' });
    const [aigerim] = await subscribersByNormalized(t.store.db, ['aigerim@example.kz']);
    const [claire] = await subscribersByNormalized(t.store.db, ['claire@example.be']);
    if (!aigerim || !claire) throw new Error('import failed');
    await t.store.db.updateTable('memberships').set({ status: 'unsubscribed' }).execute();
    await suppress(t.store.db, 'claire@example.be', 'complained', 'fbl');
    await suppress(t.store.db, 'nouveau@example.org', 'bounced', '5.1.1');

    const plain = await importCsv(t.store, {
      file: write('b.csv', 'email\naigerim@example.kz\nclaire@example.be\nnouveau@example.org\n'),
      list: 'lecteurs',
    });
    expect(plain).toMatchObject({ added: 0, kept: 3, resubscribed: 0 });
    expect(await membership(t.store.db, 1, aigerim.id)).toBe('unsubscribed');
    expect(await subscribersByNormalized(t.store.db, ['nouveau@example.org'])).toEqual([]);

    const explicit = await importCsv(t.store, {
      file: write('c.csv', 'email\naigerim@example.kz\nclaire@example.be\nnouveau@example.org\n'),
      list: 'lecteurs',
      resubscribe: true,
    });
    expect(explicit).toMatchObject({ added: 0, kept: 2, resubscribed: 1 });
    expect(await membership(t.store.db, 1, aigerim.id)).toBe('active');
    expect(await membership(t.store.db, 1, claire.id)).toBe('unsubscribed');
    const events = (await eventsOf(t.store.db, aigerim.id)).map((e) => [e.type, e.reason]);
    expect(events).toEqual([
      ['subscribed', 'import'],
      ['resubscribed', 'import --resubscribe'],
    ]);
  });

  it('refuses a file without an email column, naming the file and line', async () => {
    await expect(
      importCsv(t.store, { file: write('x.csv', 'mail,name\na@b.org,A\n'), list: 'lecteurs' }),
    ).rejects.toThrow(/x\.csv:1: header: no "email" column \(found: mail, name\)/);
  });

  it('exports what it imported, in a CSV the import reads back', async () => {
    await importCsv(t.store, { file: write('a.csv', CSV), list: 'lecteurs' });
    const chunks: string[] = [];
    const n = await exportMembers(t.store, 1, 'active', (columns) => {
      const out = stringify({ header: true, columns });
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => chunks.push(c.toString()));
      out.pipe(sink);
      return out;
    });
    expect(n).toBe(4);
    const csv = chunks.join('');
    expect(csv.split('\n')[0]).toBe('email,name,status,status_changed_at,status_source,city,plan');
    expect(csv).toMatch(/^aigerim@example\.kz,Aigerim,active,\d{4}-\d\d-\d\dT[\d:.]+Z,import,Almaty,pro$/m);
    await createList(t.store.db, 'copie');
    const back = await importCsv(t.store, { file: write('back.csv', csv), list: 'copie' });
    expect(back).toMatchObject({ added: 4, rejected: 0 });
  });
});
