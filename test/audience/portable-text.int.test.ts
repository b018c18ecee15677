import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv, type Rejection } from '../../src/audience/import.ts';
import { createList } from '../../src/store/audience.ts';
import { numero } from '../helpers/cli.ts';
import { BACKENDS, freshStore, PG_URL, type TestStore } from '../helpers/stores.ts';

/**
 * Text that one store holds and another cannot (NUL), lines too long for a string, headers too wide:
 * the same file imports the same way on SQLite and PostgreSQL, each refusal with its line, no value
 * echoed whole, no stack trace.
 */
const stores: TestStore[] = [];
let dir = '';
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function hostileCsv(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-portable-'));
  const file = path.join(dir, 'readers.csv');
  const lines = ['email,name,ville'];
  for (let i = 1; i <= 1000; i++) {
    if (i === 10) lines.push(`nul${i}@example.org,Na\u0000me,Paris`);
    else if (i === 20) lines.push(`bell${i}@example.org,Name,Pa\u0007ris`);
    else if (i === 30) lines.push(`long${i}@example.org,"${'x'.repeat(2_000_000)}",Paris`);
    else if (i === 40) lines.push(`${'a'.repeat((60 * 1024 * 1024) / 64)}@example.org,Huge address,Paris`);
    else lines.push(`lecteur${i}@example.org,Lecteur ${i},Paris`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the same hostile file imports identically on every store', () => {
  it.each(BACKENDS)(
    'on %s: refuses NUL, control characters, a 2 MB row and a huge address by line; imports the rest',
    async (backend) => {
      const file = hostileCsv();
      const t = await freshStore(backend);
      stores.push(t);
      await createList(t.store.db, 'lecteurs');
      const rejected: Rejection[] = [];
      const summary = await importCsv(t.store, { file, list: 'lecteurs', onReject: (r) => rejected.push(r) });
      expect(summary).toMatchObject({ rows: 1000, added: 996, rejected: 4 });
      expect(rejected.map((r) => [r.line, r.reason.slice(0, 61)])).toEqual([
        [11, 'column 2 holds a control character (U+0000): row not imported'],
        [21, 'column 3 holds a control character (U+0007): row not imported'],
        [31, 'a row longer than 1 MB starts on this line (a quote never clo'],
        [41, expect.stringMatching(/^local part longer than 64 characters/)],
      ]);
      // The huge address is shown by its beginning only.
      expect(rejected[3]?.email.length).toBeLessThan(200);
      const names = await t.store.db.selectFrom('subscribers').select('email').execute();
      expect(names.some((n) => n.email === 'long30@example.org')).toBe(false); // the 2 MB row, line 31
      expect(names.some((n) => n.email === 'lecteur31@example.org')).toBe(true); // the row right after it
    },
  );

  it('a header of 100,000 columns is refused at once, by size, without echoing it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-portable-'));
    const file = path.join(dir, 'wide.csv');
    fs.writeFileSync(
      file,
      `email,${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\na@example.org\n`,
    );
    const t = await freshStore('sqlite');
    stores.push(t);
    await createList(t.store.db, 'lecteurs');
    const started = process.cpuUsage();
    await expect(importCsv(t.store, { file, list: 'lecteurs' })).rejects.toThrow(
      /wide\.csv:1: the header has 100001 columns: at most 500/,
    );
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  it.runIf(PG_URL)(
    'store copy from SQLite to PostgreSQL refuses a NUL with the row it stopped at, no stack trace',
    async () => {
      const from = await freshStore('sqlite');
      const to = await freshStore('postgres');
      stores.push(from, to);
      const list = await createList(from.store.db, 'lecteurs');
      await from.store.db
        .insertInto('subscribers')
        .values({
          email: 'nul@example.org',
          email_normalized: 'nul@example.org',
          name: 'Na\u0000me',
          attributes: '{}',
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        })
        .execute();
      expect(list.id).toBe(1);
      const r = await numero(['store', 'copy', '--to', to.url], { DATABASE_URL: from.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /store copy: subscribers id=1: name holds a NUL character, which the target cannot store; nothing was copied/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(await to.store.db.selectFrom('lists').select('id').execute()).toEqual([]);
    },
  );
});
