import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/audience/import.ts';
import { recordBounce, recordComplaint, unsubscribe } from '../../src/audience/membership.ts';
import {
  createList,
  membership,
  subscribersByNormalized,
  suppress,
  suppressedAmong,
} from '../../src/store/audience.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { audiencePage } from '../../src/store/deliveries.ts';
import { numero } from '../helpers/cli.ts';
import { exportCsv } from '../helpers/export-csv.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

const stores: TestStore[] = [];
let dir = '';
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const statusOf = async (store: Store, listId: number, email: string) => {
  const [s] = await subscribersByNormalized(store.db, [email]);
  return s ? membership(store.db, listId, s.id) : undefined;
};

describe.each(BACKENDS)('choices survive export → import into a fresh %s store', (backend) => {
  it('unsubscribed, bounced and complained readers stay so; formula-like cells come back unchanged', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-trip-'));
    const from = await freshStore('sqlite');
    stores.push(from);
    const a = from.store;
    const list = await createList(a.db, 'lecteurs');
    const file = path.join(dir, 'in.csv');
    fs.writeFileSync(
      file,
      'email,name,note\nactive@example.org,Léa,ok\nleft@example.org,Marc,x\nbounce@example.org,B,y\nspam@example.org,S,z\nformula@example.org,"=HYPERLINK(""http://evil.example"")",+33 1 23\n',
    );
    await importCsv(a, { file, list: 'lecteurs' });
    const idOf = async (email: string) => (await subscribersByNormalized(a.db, [email]))[0]?.id ?? 0;
    const who = async (email: string) => ({
      listId: list.id,
      subscriberId: await idOf(email),
      campaignId: '1',
      emailNormalized: email,
    });
    await unsubscribe(a.db, await who('left@example.org'), 'one-click');
    await recordBounce(a.db, await who('bounce@example.org'), { detail: '550 5.1.1', source: 'smtp' });
    await recordComplaint(a.db, await who('spam@example.org'), { detail: 'ARF', source: 'fbl' });

    const csv = await exportCsv(a, list.id);
    expect(csv).toMatch(/^left@example\.org,Marc,unsubscribed,[^,]+,one-click,x$/m);
    expect(csv).toContain(`'=HYPERLINK`); // a spreadsheet shows it as text
    expect(csv).toContain(`'+33 1 23`);

    const to = await freshStore(backend);
    stores.push(to);
    const b = to.store;
    const copy = await createList(b.db, 'lecteurs');
    const out = path.join(dir, 'out.csv');
    fs.writeFileSync(out, csv);
    const summary = await importCsv(b, { file: out, list: 'lecteurs' });
    expect(summary).toMatchObject({ added: 2, left: 3, rejected: 0 });
    expect(await statusOf(b, copy.id, 'left@example.org')).toBe('unsubscribed');
    expect(await statusOf(b, copy.id, 'bounce@example.org')).toBe('bounced');
    expect(await statusOf(b, copy.id, 'spam@example.org')).toBe('complained');
    expect(
      [
        ...(
          await suppressedAmong(b.db, ['bounce@example.org', 'spam@example.org', 'left@example.org'])
        ).keys(),
      ].sort(),
    ).toEqual(['bounce@example.org', 'spam@example.org']);
    // The next campaign's audience is exactly the readers who were active.
    const audience = await audiencePage(b.db, copy.id, 0, 100);
    const [f] = await subscribersByNormalized(b.db, ['formula@example.org']);
    expect(f?.name).toBe('=HYPERLINK("http://evil.example")');
    expect(JSON.parse(f?.attributes ?? '{}')).toEqual({ note: '+33 1 23' });
    expect(audience).toHaveLength(2);

    // Imported again into the store where they are active: the file's unsubscribe is applied, and
    // an "active" row never brings back a reader who left.
    const again = path.join(dir, 'again.csv');
    fs.writeFileSync(again, 'email,status\nactive@example.org,unsubscribed\nleft@example.org,active\n');
    const applied = await importCsv(a, { file: again, list: 'lecteurs' });
    expect(applied).toMatchObject({ left: 1, kept: 1 });
    expect(await statusOf(a, list.id, 'active@example.org')).toBe('unsubscribed');
    expect(await statusOf(a, list.id, 'left@example.org')).toBe('unsubscribed');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'email,status\nx@example.org,maybe\n');
    const rejected: string[] = [];
    await importCsv(a, {
      file: bad,
      list: 'lecteurs',
      onReject: (r) => rejected.push(`${r.line}: ${r.reason}`),
    });
    expect(rejected).toEqual(['2: status "maybe": expected active, unsubscribed, bounced or complained']);
  });
});

describe('the suppression list travels with its reasons', () => {
  it('numero suppressions export, then import into a fresh store: same addresses, reasons and sources', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-supp-'));
    const envA = { NUMERO_DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, 'a.db')}` };
    const envB = { NUMERO_DATA_DIR: dir, DATABASE_URL: `sqlite:${path.join(dir, 'b.db')}` };
    const a = await openStore({ databaseUrl: envA.DATABASE_URL, dataDir: dir });
    await suppress(a.db, 'gone@example.org', 'bounced', '550 5.1.1 user unknown', {
      source: 'smtp',
      campaignId: '4',
    });
    await suppress(a.db, 'spam@example.org', 'complained', '=cmd|calc', { source: 'fbl' });
    await a.close();
    const exported = await numero(['suppressions', 'export'], envA);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n')[0]).toBe('email,reason,detail,source,campaign_id,created_at');
    expect(exported.stdout).toContain("'=cmd|calc");
    const file = path.join(dir, 'suppressions.csv');
    fs.writeFileSync(file, `${exported.stdout}not-an-address,bounced,,,,\nok@example.org,whatever,,,,\n`);
    const imported = await numero(['suppressions', 'import', file], envB);
    expect(imported.stdout.trim()).toBe(`${file}: 2 suppressed, 0 already suppressed, 2 rejected (4 rows)`);
    expect(imported.stderr).toContain(
      `${file}:5: reason "whatever": expected bounced, complained, unsubscribed or manual`,
    );
    const b = await openStore({ databaseUrl: envB.DATABASE_URL, dataDir: dir });
    const rows = await b.db
      .selectFrom('suppressions')
      .select(['email_normalized', 'reason', 'detail', 'source', 'campaign_id'])
      .orderBy('email_normalized')
      .execute();
    await b.close();
    expect(rows).toEqual([
      {
        email_normalized: 'gone@example.org',
        reason: 'bounced',
        detail: '550 5.1.1 user unknown',
        source: 'smtp',
        campaign_id: '4',
      },
      {
        email_normalized: 'spam@example.org',
        reason: 'complained',
        detail: '=cmd|calc',
        source: 'fbl',
        campaign_id: null,
      },
    ]);
  });
});
