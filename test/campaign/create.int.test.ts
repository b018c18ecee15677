import { afterEach, describe, expect, it } from 'vitest';
import { deliveryMac, mintMessageId } from '../../src/_shared/delivery-ids.ts';
import { createCampaign } from '../../src/campaign/create.ts';
import { loadContext } from '../../src/content/load.ts';
import { prepareIssue, requireReady } from '../../src/render/prepare.ts';
import { createList, insertMemberships, insertSubscribers, suppress } from '../../src/store/audience.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { snapshotAudiencePage } from '../../src/store/deliveries.ts';
import { DIRS, PUBLIC_URL } from '../helpers/fixtures.ts';
import { ISSUE } from '../helpers/send-harness.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});

describe('a campaign’s Message-IDs', () => {
  it('differ between two fresh databases for the same campaign and delivery numbers', async () => {
    const prepared = requireReady(
      await prepareIssue(ISSUE, loadContext(DIRS), { ...DIRS, publicUrl: PUBLIC_URL }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const t = await freshStore('sqlite');
      stores.push(t);
      const list = await createList(t.store.db, 'lecteurs');
      const c = await createCampaign(t.store, {
        prepared,
        list,
        batchSize: 100,
        provider: 'default',
        scheduledAt: null,
        again: false,
        publicUrl: PUBLIC_URL,
      });
      expect(c.id).toBe(1);
      expect(c.message_key).toMatch(/^[0-9a-f]{12}$/);
      ids.push(mintMessageId(c.id, 1, deliveryMac('s'.repeat(40), c.id, 1, c.message_key), 'x.example'));
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe.each(BACKENDS)('the audience snapshot on %s', (backend) => {
  it('numbers the active, unsuppressed readers into batches page by page inside the database, and a resumed snapshot adds nothing', async () => {
    const t = await freshStore(backend);
    stores.push(t);
    const db = t.store.db;
    const list = await createList(db, 'lecteurs');
    const subs = await insertSubscribers(
      db,
      Array.from({ length: 250 }, (_, i) => ({
        email: `l${i}@example.org`,
        email_normalized: `l${i}@example.org`,
        name: null,
        attributes: '{}',
      })),
    );
    // Every 10th reader unsubscribed, reader 5 suppressed: 250 - 25 - 1 = 224 in the audience.
    await insertMemberships(
      db,
      subs.map((s, i) => ({
        list_id: list.id,
        subscriber_id: s.id,
        status: i % 10 === 0 ? ('unsubscribed' as const) : ('active' as const),
        source: 'test',
      })),
    );
    await suppress(db, 'l5@example.org', 'bounced', null);
    const campaignId = await insertCampaign(db, {
      issue_file: 'x.md',
      issue_slug: 'x',
      content_hash: 'h',
      list_id: list.id,
      subject: 's',
      state: 'draft',
      compiled: '{}',
      batch_size: 25,
      provider: 'default',
      scheduled_at: null,
      message_key: 'k',
    });
    const run = async () => {
      let numbered = 0;
      let afterId = 0;
      const pages: number[] = [];
      for (;;) {
        const page = await snapshotAudiencePage(db, {
          campaignId,
          listId: list.id,
          afterId,
          limit: 60,
          numbered,
          batchSize: 25,
        });
        if (!page) break;
        pages.push(page.count);
        numbered += page.count;
        afterId = page.lastId;
      }
      return pages;
    };
    expect(await run()).toEqual([60, 60, 60, 44]);
    const rows = await db
      .selectFrom('deliveries')
      .select(['subscriber_id', 'batch_no', 'status'])
      .where('campaign_id', '=', campaignId)
      .orderBy('subscriber_id')
      .execute();
    expect(rows).toHaveLength(224);
    const ids = subs.filter((_, i) => i % 10 !== 0 && i !== 5).map((s) => s.id);
    expect(rows.map((r) => r.subscriber_id)).toEqual(ids);
    // The n-th reader (0-based) is in batch n / 25 + 1, across page boundaries.
    expect(rows.map((r) => Number(r.batch_no))).toEqual(ids.map((_, n) => Math.floor(n / 25) + 1));
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(await run()).toEqual([60, 60, 60, 44]); // resumed: same pages, no new rows
    const again = await db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('campaign_id', '=', campaignId)
      .executeTakeFirst();
    expect(Number(again?.n)).toBe(224);
  });
});
