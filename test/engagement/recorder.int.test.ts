import { afterEach, describe, expect, it } from 'vitest';
import { EngagementRecorder } from '../../src/engagement/recorder.ts';
import { createList } from '../../src/store/audience.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { clickTotals, insertEngagement, openTotals } from '../../src/store/engagement.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

async function campaign(s: TestStore): Promise<number> {
  const list = await createList(s.store.db, 'lecteurs');
  return insertCampaign(s.store.db, {
    issue_file: 'x.md',
    issue_slug: 'x',
    content_hash: 'h',
    list_id: list.id,
    subject: 'S',
    state: 'sending',
    compiled: '{}',
    batch_size: 10,
    provider: 'default',
    scheduled_at: null,
    message_key: 'k',
    tracking: 'clicks',
  });
}

const click = (campaignId: number, position: number, key: string) => ({
  campaignId,
  position,
  key,
  deliveryId: null,
});

describe.each(BACKENDS)('the engagement recorder on %s (issue 23)', (backend) => {
  it('counts a message whose links are all followed within the window as a machine, first click included', async () => {
    t = await freshStore(backend);
    const id = await campaign(t);
    let now = 1_000_000;
    const logs: string[] = [];
    const store = t.store;
    const r = new EngagementRecorder({
      write: (c, o) => insertEngagement(store.db, c, o),
      log: (e) => logs.push(e),
      now: () => now,
      flushEveryMs: 3_600_000, // flushed by hand below
    });
    // A scanner: links 1, 2, 3 of one message within 1.2 s.
    for (const p of [1, 2, 3]) {
      r.click(click(id, p, 'ascanner1'), null, 5);
      now += 600;
    }
    // A reader: link 1, then link 2 eight seconds later.
    r.click(click(id, 1, 'areader01'), null, 5);
    now += 8_000;
    r.click(click(id, 2, 'areader01'), null, 5);
    // Held for the window: nothing older than 2 s is left unwritten, nothing younger is written.
    await r.flush(false);
    let totals = await clickTotals(store.db, id);
    expect(totals.reduce((a, x) => a + x.clicks, 0)).toBe(4);
    await r.close();
    totals = await clickTotals(store.db, id);
    const by = (position: number, machine: number) =>
      totals.find((x) => x.position === position && x.machine === machine)?.clicks ?? 0;
    expect([by(1, 1), by(2, 1), by(3, 1)]).toEqual([1, 1, 1]);
    expect([by(1, 0), by(2, 0), by(3, 0)]).toEqual([1, 1, 0]);
    const why = await store.db.selectFrom('clicks').select('why').where('machine', '=', 1).execute();
    expect(why.map((w) => w.why)).toEqual(['burst', 'burst', 'burst']);
    expect(r.stats).toMatchObject({ recorded: 5, machine: 3, dropped: 0 });
    expect(logs).toEqual([]);
  });

  it('counts one message hammering one link as that message’s clicks, and a scanner that comes back after a burst still as a machine', async () => {
    t = await freshStore(backend);
    const id = await campaign(t);
    const store = t.store;
    let now = 5_000_000;
    const r = new EngagementRecorder({
      write: (c, o) => insertEngagement(store.db, c, o),
      log: () => {},
      now: () => now,
      flushEveryMs: 3_600_000,
    });
    // 5,000 clicks of one key on one link, all at once: one reader, never a burst of links.
    for (let i = 0; i < 5_000; i++) r.click(click(id, 2, 'ahammer01'), null, 5);
    // A scanner: three links, then a fourth click 1.5 s later, still within the window.
    for (const p of [1, 2, 3]) r.click(click(id, p, 'ascanner2'), null, 5);
    now += 1_500;
    r.click(click(id, 4, 'ascanner2'), null, 5);
    await r.close();
    const rows = await store.db
      .selectFrom('clicks')
      .select(['message_key', 'machine', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy(['message_key', 'machine'])
      .orderBy('message_key')
      .execute();
    expect(rows.map((x) => [x.message_key, x.machine, Number(x.n)])).toEqual([
      ['ahammer01', 0, 5_000],
      ['ascanner2', 1, 4],
    ]);
  });

  it('keeps what it holds while the database is away and writes it when it is back', async () => {
    t = await freshStore(backend);
    const id = await campaign(t);
    const store = t.store;
    let away = true;
    const logs: string[] = [];
    const r = new EngagementRecorder({
      write: async (c, o) => {
        if (away)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        await insertEngagement(store.db, c, o);
      },
      log: (e) => logs.push(e),
      windowMs: 0,
      flushEveryMs: 3_600_000,
    });
    for (let i = 0; i < 50; i++)
      r.open(
        { campaignId: id, position: null, key: `a${String(i).padStart(8, '0')}`, deliveryId: null },
        i % 2 ? 'apple-mpp' : null,
      );
    await r.flush(true);
    await r.flush(true);
    expect(logs).toEqual(['engagement.waiting']);
    away = false;
    await r.close();
    expect(logs).toEqual(['engagement.waiting', 'engagement.back']);
    expect(await openTotals(store.db, id)).toEqual({ loads: 50, machine: 25, messages: 25 });
  });
});
