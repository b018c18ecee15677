import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportMembers } from '../../src/audience/export.ts';
import { importCsv, type Rejection } from '../../src/audience/import.ts';
import { NumeroError } from '../../src/errors.ts';
import { createList } from '../../src/store/audience.ts';
import { numero } from '../helpers/cli.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore;
let dir: string;
beforeEach(async () => {
  t = await freshStore('sqlite');
  await createList(t.store.db, 'lecteurs');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bounds-'));
});
afterEach(async () => {
  await t.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, body: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
};

describe('imports bound what a reader carries and refuse what they cannot read', () => {
  it('rejects a huge name or too many attributes by line, without echoing the value', async () => {
    const cols = Array.from({ length: 51 }, (_, i) => `c${i}`);
    const file = write(
      'a.csv',
      [
        `email,name,${cols.join(',')}`,
        `ok@example.org,Léa,${cols.map(() => '').join(',')}`,
        `long@example.org,${'N'.repeat(100_000)},${cols.map(() => '').join(',')}`,
        `many@example.org,Many,${cols.map(() => 'x').join(',')}`,
        `value@example.org,V,${'y'.repeat(5_000)}${','.repeat(cols.length - 1)}`,
      ].join('\n'),
    );
    const rejected: Rejection[] = [];
    const summary = await importCsv(t.store, { file, list: 'lecteurs', onReject: (r) => rejected.push(r) });
    expect(summary).toMatchObject({ added: 1, rejected: 3 });
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'name longer than 200 characters (100000)'],
      [4, 'more than 50 attribute columns (51)'],
      [5, 'attribute c0 longer than 1000 characters (5000)'],
    ]);
  });

  it('refuses two email columns and a directory, importing nothing', async () => {
    const twice = write('b.csv', 'email,name,Email\na@example.org,A,b@example.org\n');
    await expect(importCsv(t.store, { file: twice, list: 'lecteurs' })).rejects.toThrow(
      /b\.csv:1: header: the column "email" appears twice/,
    );
    await expect(importCsv(t.store, { file: dir, list: 'lecteurs' })).rejects.toThrow(NumeroError);
    await expect(importCsv(t.store, { file: dir, list: 'lecteurs' })).rejects.toThrow(/not a file/);
    expect(await t.store.db.selectFrom('subscribers').selectAll().execute()).toEqual([]);
  });

  it('exports attribute columns named constructor and __proto__ as data', async () => {
    const file = write(
      'c.csv',
      'email,constructor,__proto__,city\na@example.org,c-value,p-value,Almaty\nb@example.org,,,Astana\n',
    );
    await importCsv(t.store, { file, list: 'lecteurs' });
    let out = '';
    await exportMembers(t.store, 1, undefined, (columns) => {
      const s = stringify({ header: true, columns });
      s.on('data', (d: Buffer) => {
        out += d.toString();
      });
      return s as Writable;
    });
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => l.replace(/,\d{4}-[\d-]+T[\d:.]+Z,/, ',DATE,')),
    ).toEqual([
      'email,name,status,status_changed_at,status_source,__proto__,city,constructor',
      'a@example.org,,active,DATE,import,p-value,Almaty,c-value',
      'b@example.org,,active,DATE,import,,Astana,',
    ]);
  });

  it('subscribers add refuses an over-long name with a clear error', async () => {
    const env = { NUMERO_DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, 'cli.db')}` };
    await numero(['lists', 'create', 'lecteurs'], env);
    const r = await numero(
      ['subscribers', 'add', 'a@example.org', '--list', 'lecteurs', '--name', 'N'.repeat(5000)],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('--name: name longer than 200 characters (5000)');
  });
});
