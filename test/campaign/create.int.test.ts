import { afterEach, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaign/create.ts';
import { prepareIssue, requireReady } from '../../src/check/check.ts';
import { loadContext } from '../../src/content/load.ts';
import { messageIdFor } from '../../src/send/message.ts';
import { createList } from '../../src/store/audience.ts';
import { DIRS, PUBLIC_URL } from '../helpers/fixtures.ts';
import { ISSUE } from '../helpers/send-harness.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

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
      });
      expect(c.id).toBe(1);
      expect(c.message_key).toMatch(/^[0-9a-f]{12}$/);
      ids.push(messageIdFor(c.id, 1, 'x.example', c.message_key));
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});
