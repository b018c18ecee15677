import { parseAddress } from '../_shared/address.ts';
import { type Db, subscriberById, suppressedAmong, updateSubscriber } from '../store/audience.ts';
import { publicLists } from '../store/list-settings.ts';
import { insertConsent } from '../store/signups.ts';
import { inTransaction, subscribe, unsubscribe } from './membership.ts';
import type { UnsubscribeClaims } from './unsubscribe-token.ts';

/** One list as the reader's preferences page shows it. */
export interface PreferenceList {
  id: number;
  name: string;
  active: boolean;
  /** Left on a bounce or a complaint, or the address is suppressed: not joined from here. */
  locked: boolean;
}

export interface ReaderPreferences {
  name: string | null;
  lang: string;
  lists: PreferenceList[];
}

/** The public lists and those the reader has a standing on; null when the reader is gone (forgotten). */
export async function readerPreferences(db: Db, subscriberId: number): Promise<ReaderPreferences | null> {
  const reader = await subscriberById(db, subscriberId);
  if (!reader || reader.email === 'forgotten') return null;
  const suppressed = (await suppressedAmong(db, [reader.email_normalized])).size > 0;
  const mine = await db
    .selectFrom('memberships')
    .innerJoin('lists', 'lists.id', 'memberships.list_id')
    .select(['lists.id', 'lists.name', 'lists.lang', 'memberships.status'])
    .where('memberships.subscriber_id', '=', subscriberId)
    .execute();
  const byId = new Map<number, PreferenceList>();
  for (const l of await publicLists(db))
    byId.set(l.id, { id: l.id, name: l.name, active: false, locked: suppressed });
  for (const m of mine)
    byId.set(m.id, {
      id: m.id,
      name: m.name,
      active: m.status === 'active',
      locked: suppressed || m.status === 'bounced' || m.status === 'complained',
    });
  const lists = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { name: reader.name, lang: mine[0]?.lang ?? 'fr', lists };
}

export interface PreferenceChange {
  leaveAll: boolean;
  /** The lists the reader wants to be on, among those the page showed. */
  lists: ReadonlySet<number>;
  name?: string;
  ip: string | null;
  userAgent: string | null;
  form: string;
}

/**
 * What the reader asked on their page, in one transaction: their name; each list shown joined or
 * left (a join records a consent: the link proves the mailbox, as a confirmation does); or every list
 * left. Lists the page did not show, and locked ones, are never touched.
 */
export async function changePreferences(
  db: Db,
  claims: UnsubscribeClaims,
  change: PreferenceChange,
): Promise<{ lang: string; joined: number[]; leftAll: boolean } | null> {
  return inTransaction(db, async (trx) => {
    const prefs = await readerPreferences(trx, claims.subscriberId);
    const reader = await subscriberById(trx, claims.subscriberId);
    if (!prefs || !reader) return null;
    const who = (listId: number) => ({ listId, subscriberId: reader.id, campaignId: claims.campaignId });
    if (change.leaveAll) {
      for (const l of prefs.lists) if (l.active) await unsubscribe(trx, who(l.id), 'preferences');
      return { lang: prefs.lang, joined: [], leftAll: true };
    }
    if (change.name !== undefined && (change.name || null) !== reader.name)
      await updateSubscriber(trx, reader.id, { name: change.name || null, attributes: reader.attributes });
    const address = parseAddress(reader.email);
    const joined: number[] = [];
    for (const l of prefs.lists) {
      if (l.locked) continue;
      const wanted = change.lists.has(l.id);
      if (wanted && !l.active && address.ok) {
        const out = await subscribe(trx, {
          listId: l.id,
          address,
          name: change.name || reader.name,
          source: 'preferences',
          resubscribe: true,
        });
        if (out.kind === 'added' || out.kind === 'resubscribed') joined.push(l.id);
      } else if (!wanted && l.active) await unsubscribe(trx, who(l.id), 'preferences');
    }
    if (joined.length)
      await insertConsent(trx, {
        subscriberId: reader.id,
        listIds: joined,
        method: 'double',
        form: change.form,
        text: 'joined from the preferences page of a message received at this address',
        ip: change.ip,
        userAgent: change.userAgent?.slice(0, 500) ?? null,
        askedAt: new Date().toISOString(),
      });
    return { lang: prefs.lang, joined, leftAll: false };
  });
}
