import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/audience/import.ts';
import { recordBounce, recordComplaint, unsubscribe } from '../../src/audience/membership.ts';
import { createList, subscribersByNormalized, suppress } from '../../src/store/audience.ts';
import { insertCampaign, setCampaignSize } from '../../src/store/campaigns.ts';
import { TABLES, tableCounts } from '../../src/store/copy.ts';
import type { Store } from '../../src/store/db.ts';
import { insertDeliveries } from '../../src/store/deliveries.ts';
import { numero } from '../helpers/cli.ts';
import { freshStore, PG_URL, type TestStore } from '../helpers/stores.ts';

const stores: TestStore[] = [];
let dir = '';
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A store with what a newsletter accumulates: two lists, readers who left in each way, campaigns. */
async function populate(store: Store): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-copy-'));
  const file = path.join(dir, 'readers.csv');
  const rows = Array.from({ length: 2500 }, (_, i) => `lecteur${i}@example.org,Lecteur ${i},ville ${i % 7}`);
  fs.writeFileSync(
    file,
    `email,name,ville\n${rows.join('\n')}\nAmelie.Poulain@Exemple.fr,"Amélie « Ami » Poulain",Paris\n`,
  );
  const a = await createList(store.db, 'hebdo');
  const b = await createList(store.db, 'alertes', 'en');
  await importCsv(store, { file, list: 'hebdo' });
  await importCsv(store, { file, list: 'alertes' });
  const who = async (email: string, listId: number) => ({
    listId,
    subscriberId: (await subscribersByNormalized(store.db, [email]))[0]?.id ?? 0,
    campaignId: '1',
    emailNormalized: email,
  });
  await unsubscribe(store.db, await who('lecteur1@example.org', a.id), 'one-click');
  await unsubscribe(store.db, await who('lecteur2@example.org', b.id), 'link');
  await recordBounce(store.db, await who('lecteur3@example.org', a.id), {
    detail: '550 5.1.1 no such user',
    source: 'smtp',
  });
  await recordComplaint(store.db, await who('lecteur4@example.org', a.id), { detail: 'ARF', source: 'fbl' });
  await suppress(store.db, 'jamais@example.org', 'ops', 'asked by phone');

  for (const [n, list] of [
    [1, a],
    [2, b],
  ] as const) {
    const id = await insertCampaign(store.db, {
      issue_file: `issues/00${n}.md`,
      issue_slug: `00${n}`,
      content_hash: `hash${n}`,
      list_id: list.id,
      subject: `Numéro ${n} : « Quoi de neuf ? »`,
      state: 'sent',
      compiled: JSON.stringify({ html: `<p>${'x'.repeat(40_000)}</p>`, n }),
      batch_size: 500,
      provider: 'default',
      scheduled_at: null,
      message_key: `key${n}`,
    });
    const subs = await store.db.selectFrom('subscribers').select('id').orderBy('id').limit(1200).execute();
    await insertDeliveries(
      store.db,
      subs.map((s, i) => ({ campaign_id: id, subscriber_id: s.id, batch_no: Math.floor(i / 500) })),
    );
    await setCampaignSize(store.db, id, subs.length, 3);
    await store.db
      .updateTable('deliveries')
      .set({
        status: 'sent',
        attempts: 1,
        message_id: 'm@x',
        smtp_code: 250,
        sent_at: '2026-11-30T10:00:00.000Z',
      })
      .where('campaign_id', '=', id)
      .execute();
  }
}

async function dump(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const { table, key } of TABLES) {
    let q = store.db.selectFrom(table).selectAll();
    for (const k of key) q = q.orderBy(k as never);
    out[table] = await q.execute();
  }
  return out;
}

const DIRECTIONS: Array<['sqlite' | 'postgres', 'sqlite' | 'postgres']> = PG_URL
  ? [
      ['sqlite', 'postgres'],
      ['postgres', 'sqlite'],
    ]
  : [['sqlite', 'sqlite']];

describe.each(DIRECTIONS)('numero store copy: %s → %s', (fromKind, toKind) => {
  it('copies every table row for row; the copy goes on working; a second copy refuses', async () => {
    const from = await freshStore(fromKind);
    const to = await freshStore(toKind);
    stores.push(from, to);
    await populate(from.store);
    const before = await dump(from.store);
    expect(before.events?.length).toBeGreaterThan(5000);

    const r = await numero(['store', 'copy', '--to', to.url], { DATABASE_URL: from.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/subscribers\s+2501/);

    const after = await dump(to.store);
    for (const { table } of TABLES) expect(after[table], table).toEqual(before[table]);

    // The copy is a working store: new rows get ids after the copied ones (sequences moved on).
    const list = await createList(to.store.db, 'nouvelle');
    expect(list.id).toBe(3);

    // Copying again would mix two histories: refused, nothing changed.
    const again = await numero(['store', 'copy', '--to', to.url], { DATABASE_URL: from.url });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty \(3 lists, 2501 subscribers/);
    expect((await tableCounts(to.store.db)).lists).toBe(3);
  });
});
