import { afterEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/_shared/address.ts';
import {
  recordBounce,
  recordComplaint,
  subscribe,
  unsubscribe,
  unsuppress,
} from '../../src/audience/membership.ts';
import { createList, membership, suppressedAmong } from '../../src/store/audience.ts';
import { BACKENDS, freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const address = (s: string) => {
  const p = parseAddress(s);
  if (!p.ok) throw new Error(p.reason);
  return p;
};

describe.each(BACKENDS)('the membership module (%s)', (backend) => {
  it('writes status, event and suppression together for each change, and only once', async () => {
    t = await freshStore(backend);
    const db = t.store.db;
    const list = await createList(db, 'lecteurs');
    const other = await createList(db, 'autres');
    const add = (email: string, listId = list.id, resubscribe = false) =>
      subscribe(db, { listId, address: address(email), name: null, source: 'test', resubscribe });

    const a = await add('a@example.org');
    if (a.kind !== 'added') throw new Error(a.kind);
    expect((await add('a@example.org')).kind).toBe('already');
    const who = { listId: list.id, subscriberId: a.subscriberId, campaignId: '7' };
    expect(await unsubscribe(db, who, 'link')).toBe(true);
    expect(await unsubscribe(db, who, 'link')).toBe(false); // a replay writes nothing
    expect(await add('a@example.org')).toMatchObject({ kind: 'kept', status: 'unsubscribed' });
    expect((await add('a@example.org', list.id, true)).kind).toBe('resubscribed');

    await recordComplaint(
      db,
      { ...who, emailNormalized: 'a@example.org' },
      { detail: 'ARF abuse', source: 'fbl' },
    );
    expect(await membership(db, list.id, a.subscriberId)).toBe('complained');
    expect((await suppressedAmong(db, ['a@example.org'])).get('a@example.org')).toBe('complained');
    expect((await add('a@example.org', other.id)).kind).toBe('suppressed'); // on every list

    expect(await unsuppress(db, 'a@example.org', 'ops cli')).toBe(true);
    expect(await unsuppress(db, 'a@example.org', 'ops cli')).toBe(false);
    expect(await membership(db, list.id, a.subscriberId)).toBe('active');

    const b = await add('b@example.org');
    if (b.kind !== 'added') throw new Error(b.kind);
    await recordBounce(
      db,
      { listId: list.id, subscriberId: b.subscriberId, campaignId: '7', emailNormalized: 'b@example.org' },
      { detail: '550 5.1.1 user unknown', source: 'smtp' },
    );
    expect(await membership(db, list.id, b.subscriberId)).toBe('bounced');
    const row = await db
      .selectFrom('suppressions')
      .selectAll()
      .where('email_normalized', '=', 'b@example.org')
      .executeTakeFirst();
    expect(row).toMatchObject({ reason: 'bounced', source: 'smtp', campaign_id: '7' });

    const events = await db
      .selectFrom('events')
      .select(['type', 'subscriber_id', 'reason'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => [e.type, e.subscriber_id === a.subscriberId ? 'a' : 'b', e.reason])).toEqual([
      ['subscribed', 'a', 'test'],
      ['unsubscribed', 'a', 'link'],
      ['resubscribed', 'a', 'test --resubscribe'],
      ['complained', 'a', 'ARF abuse'],
      ['unsuppressed', 'a', 'ops cli (was complained)'],
      ['subscribed', 'b', 'test'],
      ['bounced', 'b', '550 5.1.1 user unknown'],
    ]);
  });
});
