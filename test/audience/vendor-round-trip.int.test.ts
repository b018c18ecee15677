import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/audience/import.ts';
import { createList, membership, subscribersByNormalized } from '../../src/store/audience.ts';
import type { Store } from '../../src/store/db.ts';
import { numero } from '../helpers/cli.ts';
import { exportCsv } from '../helpers/export-csv.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

/**
 * A list moved from each tool people leave keeps every reader's standing through numero's own
 * export and a re-import (a Substack list used to come back all active), and through store copy.
 */
const stores: TestStore[] = [];
let dir = '';
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const FIXTURES = path.join(ROOT, 'test/fixtures/imports');
const VENDORS = [
  'substack.csv',
  'beehiiv.csv',
  'ghost.csv',
  'listmonk.csv',
  'brevo.csv',
  'mailchimp-subscribed.csv',
  'mailchimp-unsubscribed.csv',
  'mailchimp-cleaned.csv',
];

async function standings(store: Store, listId: number): Promise<Record<string, string>> {
  const rows = await store.db
    .selectFrom('memberships as m')
    .innerJoin('subscribers as s', 's.id', 'm.subscriber_id')
    .select(['s.email_normalized', 'm.status'])
    .where('m.list_id', '=', listId)
    .orderBy('s.email_normalized')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.email_normalized, r.status]));
}

describe.each(BACKENDS)('vendor file → import → export → import into a new %s store', (backend) => {
  it.each(VENDORS)('%s: identical statuses', async (vendor) => {
    dir ||= fs.mkdtempSync(path.join(os.tmpdir(), 'numero-vendor-trip-'));
    const a = await freshStore(backend);
    const b = await freshStore(backend);
    stores.push(a, b);
    const la = await createList(a.store.db, 'lecteurs');
    const lb = await createList(b.store.db, 'lecteurs');
    await importCsv(a.store, { file: path.join(FIXTURES, vendor), list: 'lecteurs' });
    const first = await standings(a.store, la.id);
    expect(Object.keys(first).length).toBeGreaterThan(0);
    const file = path.join(dir, `export-${vendor}`);
    fs.writeFileSync(file, await exportCsv(a.store, la.id));
    const again = await importCsv(b.store, { file, list: 'lecteurs' });
    expect(again.format).toBe('numero');
    expect(await standings(b.store, lb.id)).toEqual(first);
  });
});

describe('lists that came from Substack and beehiiv keep every leaver', () => {
  it('beehiiv’s own words for leaving, and a date of unsubscription, are kept; an export without UTM columns is recognised', async () => {
    dir ||= fs.mkdtempSync(path.join(os.tmpdir(), 'numero-vendor-trip-'));
    const file = path.join(dir, 'beehiiv-plain.csv');
    fs.writeFileSync(
      file,
      'email,status,tier,unsubscribed_at\nstay@example.com,active,free,\nleft@example.com,unsubscribed,free,2025-01-02\ndead@example.com,bounced,free,\nlate@example.com,active,free,2025-03-04\n',
    );
    const t = await freshStore('sqlite');
    stores.push(t);
    const l = await createList(t.store.db, 'lecteurs');
    const s = await importCsv(t.store, { file, list: 'lecteurs' });
    expect(s.format).toBe('beehiiv');
    expect(await standings(t.store, l.id)).toEqual({
      'dead@example.com': 'bounced',
      'late@example.com': 'unsubscribed',
      'left@example.com': 'unsubscribed',
      'stay@example.com': 'active',
    });
  });

  it('a Substack-origin list keeps its leavers through export, import and store copy', async () => {
    dir ||= fs.mkdtempSync(path.join(os.tmpdir(), 'numero-vendor-trip-'));
    const a = await freshStore('sqlite');
    stores.push(a);
    const la = await createList(a.store.db, 'lecteurs');
    await importCsv(a.store, { file: path.join(FIXTURES, 'substack.csv'), list: 'lecteurs' });
    const [stopped] = await subscribersByNormalized(a.store.db, ['stopped@example.com']);
    expect(await membership(a.store.db, la.id, stopped?.id ?? 0)).toBe('unsubscribed');
    const file = path.join(dir, 'substack-export.csv');
    fs.writeFileSync(file, await exportCsv(a.store, la.id));
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toContain('active_subscription'); // kept as data
    for (const target of BACKENDS) {
      const b = await freshStore(target);
      stores.push(b);
      const copied = await numero(['store', 'copy', '--to', b.url], { DATABASE_URL: a.url });
      expect(copied.code).toBe(0);
      expect(await standings(b.store, la.id)).toEqual(await standings(a.store, la.id));
    }
  });
});
