import type { AddressResult } from '../_shared/address.ts';
import { countMembershipChange } from '../_shared/metrics.ts';
import {
  type Db,
  deleteBounceSuppression,
  deleteSuppression,
  insertEvents,
  insertMemberships,
  insertSubscribers,
  lastEvent,
  membershipsInStatus,
  membershipsOf,
  subscriberById,
  subscribersByNormalized,
  suppress,
  suppressedAmong,
  transitionMembership,
} from '../store/audience.ts';
import type { MembershipStatus } from '../store/schema.ts';

/**
 * The one place where a reader's standing changes: subscribe, unsubscribe, resubscribe, bounce,
 * complaint, un-suppress. Each writes the membership status, the event and the suppression together,
 * in one transaction (the caller's, when it passes one; otherwise its own). The unsubscribe server,
 * the CLI, imports, the send path and the ops dashboard all come through here.
 */

type ParsedAddress = Extract<AddressResult, { ok: true }>;

/** Who is concerned: a reader on a list, and the campaign that caused it when there is one. */
export interface MemberRef {
  listId: number;
  subscriberId: number;
  campaignId: string | null;
}

/** Runs `fn` in `db` when it is already a transaction, in a new one otherwise. */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

export type SubscribeOutcome =
  | { kind: 'added'; subscriberId: number }
  | { kind: 'resubscribed'; subscriberId: number }
  | { kind: 'already'; subscriberId: number }
  | { kind: 'kept'; subscriberId: number; status: 'unsubscribed' | 'bounced' | 'complained' }
  | { kind: 'suppressed' };

/**
 * Adds one address to a list. A suppressed address is never added; a reader who unsubscribed comes
 * back only with `resubscribe` (logged), and a bounced or complained one never does here.
 */
export async function subscribe(
  db: Db,
  o: { listId: number; address: ParsedAddress; name: string | null; source: string; resubscribe: boolean },
): Promise<SubscribeOutcome> {
  return inTransaction(db, async (trx) => {
    if ((await suppressedAmong(trx, [o.address.normalized])).size) return { kind: 'suppressed' as const };
    let [sub] = await subscribersByNormalized(trx, [o.address.normalized]);
    if (!sub) {
      const [created] = await insertSubscribers(trx, [
        { email: o.address.address, email_normalized: o.address.normalized, name: o.name, attributes: '{}' },
      ]);
      if (!created) throw new Error('insert returned nothing');
      sub = { ...created, email: o.address.address, name: o.name, attributes: '{}' };
    }
    const subscriberId = sub.id;
    const status = (await membershipsOf(trx, o.listId, [subscriberId])).get(subscriberId);
    if (status === 'active') return { kind: 'already' as const, subscriberId };
    if (status === undefined) {
      await importMembers(
        trx,
        o.listId,
        [{ subscriberId, emailNormalized: o.address.normalized, status: 'active' }],
        o.source,
      );
      return { kind: 'added' as const, subscriberId };
    }
    if (status === 'unsubscribed' && o.resubscribe) {
      await resubscribe(
        trx,
        { listId: o.listId, subscriberId, campaignId: null },
        `${o.source} --resubscribe`,
      );
      return { kind: 'resubscribed' as const, subscriberId };
    }
    return { kind: 'kept' as const, subscriberId, status };
  });
}

/**
 * New members, in bulk, with the standing given to them (an import's file, or active for one added
 * by hand): active ones join with a `subscribed` event; unsubscribed, bounced and complained ones are recorded as such, with their event, and
 * bounced or complained addresses are suppressed. Nobody is made active who was not in the file as such.
 */
export async function importMembers(
  db: Db,
  listId: number,
  rows: ReadonlyArray<{ subscriberId: number; emailNormalized: string; status: MembershipStatus }>,
  source: string,
): Promise<void> {
  if (!rows.length) return;
  await inTransaction(db, async (trx) => {
    await insertMemberships(
      trx,
      rows.map((r) => ({ list_id: listId, subscriber_id: r.subscriberId, status: r.status, source })),
    );
    await insertEvents(
      trx,
      rows.map((r) => ({
        type: r.status === 'active' ? ('subscribed' as const) : r.status,
        list_id: listId,
        subscriber_id: r.subscriberId,
        reason: source,
      })),
    );
    for (const r of rows) {
      if (r.status === 'bounced' || r.status === 'complained')
        await suppress(trx, r.emailNormalized, r.status, `imported as ${r.status}`, { source });
    }
  });
}

/** An existing active member whom an imported file says left: their standing follows the file. */
export async function applyImportedStatus(
  db: Db,
  who: MemberRef & { emailNormalized: string },
  status: Exclude<MembershipStatus, 'active'>,
  source: string,
): Promise<boolean> {
  if (status === 'unsubscribed') return unsubscribe(db, who, source);
  const detail = `imported as ${status}`;
  if (status === 'bounced') await recordBounce(db, who, { detail, source });
  else await recordComplaint(db, who, { detail, source });
  return true;
}

/**
 * The reader leaves the list. Idempotent: only a change writes an event, so a replayed one-click
 * request is harmless. Commits before it resolves: the caller may answer 200 knowing it is on disk.
 */
export async function unsubscribe(db: Db, who: MemberRef, via: string): Promise<boolean> {
  const changed = await move(db, who, ['active'], 'unsubscribed', 'unsubscribed', via);
  if (changed) countMembershipChange('unsubscribed');
  return changed;
}

/** How long a reader's own unsubscribe may be undone from the link of a message. */
export const SELF_RESUBSCRIBE_DAYS = 30;
const READER_VIAS = new Set(['link', 'one-click', 'mailto']);

/**
 * Whether a reader may resubscribe from a link: they left by themselves (link, one-click, mailto),
 * less than SELF_RESUBSCRIBE_DAYS ago, and their address is not suppressed. A link never reverses an
 * operator's removal or a suppression, and an old message cannot bring a reader back.
 */
export async function maySelfResubscribe(db: Db, who: MemberRef): Promise<boolean> {
  const left = await lastEvent(db, who.listId, who.subscriberId, 'unsubscribed');
  if (!left || !READER_VIAS.has(left.reason ?? '')) return false;
  if (Date.now() - Date.parse(left.created_at) > SELF_RESUBSCRIBE_DAYS * 86_400_000) return false;
  const sub = await subscriberById(db, who.subscriberId);
  return sub !== undefined && (await suppressedAmong(db, [sub.email_normalized])).size === 0;
}

/** Undoes an unsubscribe. Bounced and complained readers stay as they are; a suppression is never lifted here. */
export async function resubscribe(db: Db, who: MemberRef, via: string): Promise<boolean> {
  return move(db, who, ['unsubscribed'], 'active', 'resubscribed', via);
}

/** A hard bounce: the address is suppressed everywhere and the reader marked bounced on the list. */
export async function recordBounce(
  db: Db,
  who: MemberRef & { emailNormalized: string },
  o: { detail: string; source: string },
): Promise<void> {
  await closeMembership(db, who, 'bounced', ['active'], o);
}

/** The reader marked a message as spam: suppressed everywhere, marked complained on the list. */
export async function recordComplaint(
  db: Db,
  who: MemberRef & { emailNormalized: string },
  o: { detail: string; source: string },
): Promise<void> {
  await closeMembership(db, who, 'complained', ['active', 'unsubscribed'], o);
}

/**
 * What came back about an address, wherever the reader is: a hard bounce (or soft ones in a row)
 * marks every active membership bounced; a complaint marks every membership complained (they asked
 * for no more mail from us at all); either way the address is suppressed. Returns the lists closed.
 */
export async function closeEverywhere(
  db: Db,
  o: {
    subscriberId: number;
    emailNormalized: string;
    campaignId: string | null;
    kind: 'bounced' | 'complained';
    reason: string;
    detail: string;
    source: string;
  },
): Promise<number> {
  const from: MembershipStatus[] = o.kind === 'bounced' ? ['active'] : ['active', 'unsubscribed'];
  const closed = await inTransaction(db, async (trx) => {
    await suppress(trx, o.emailNormalized, o.reason, o.detail.slice(0, 500), {
      source: o.source,
      campaignId: o.campaignId,
    });
    const lists = await membershipsInStatus(trx, o.subscriberId, from);
    for (const m of lists)
      await transitionMembership(trx, m.list_id, o.subscriberId, [m.status], o.kind, o.source);
    await insertEvents(
      trx,
      (lists.length ? lists.map((m) => m.list_id) : [null]).map((listId) => ({
        type: o.kind,
        list_id: listId,
        subscriber_id: o.subscriberId,
        campaign_id: o.campaignId,
        reason: `${o.source}: ${o.detail}`.slice(0, 200),
      })),
    );
    return lists.length;
  });
  countMembershipChange(o.kind);
  return closed;
}

/** Suppression, membership status and event of a bounce or a complaint, in one transaction. */
async function closeMembership(
  db: Db,
  who: MemberRef & { emailNormalized: string },
  kind: 'bounced' | 'complained',
  from: Array<'active' | 'unsubscribed'>,
  o: { detail: string; source: string },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await suppress(trx, who.emailNormalized, kind, o.detail.slice(0, 500), {
      source: o.source,
      campaignId: who.campaignId,
    });
    await transitionMembership(trx, who.listId, who.subscriberId, from, kind, o.source);
    await insertEvents(trx, [
      {
        type: kind,
        list_id: who.listId,
        subscriber_id: who.subscriberId,
        campaign_id: who.campaignId,
        reason: o.detail.slice(0, 200),
      },
    ]);
  });
  countMembershipChange(kind);
}

/** An operator suppresses an address by hand (a reader's request by phone, a known trap). Logged. */
export async function suppressByHand(
  db: Db,
  emailNormalized: string,
  detail: string,
  by: string,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const added = await suppress(trx, emailNormalized, 'manual', detail.slice(0, 500), { source: by });
    if (added) {
      const [sub] = await subscribersByNormalized(trx, [emailNormalized]);
      await insertEvents(trx, [
        {
          type: 'suppressed',
          list_id: null,
          subscriber_id: sub?.id ?? null,
          reason: `${by}: ${detail}`.slice(0, 200),
        },
      ]);
    }
    return added;
  });
}

/**
 * An operator lifts a suppression: the address may be sent to again, and the memberships that the
 * suppression had closed (bounced, complained) become active again, each with an `unsuppressed` event.
 * Returns false when the address was not suppressed.
 */
export async function unsuppress(db: Db, emailNormalized: string, by: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const reason = await deleteSuppression(trx, emailNormalized);
    if (reason === null) return false;
    const [sub] = await subscribersByNormalized(trx, [emailNormalized]);
    const closed = sub ? await membershipsInStatus(trx, sub.id, ['bounced', 'complained']) : [];
    for (const m of closed) {
      if (sub) await transitionMembership(trx, m.list_id, sub.id, [m.status], 'active');
    }
    await insertEvents(
      trx,
      (closed.length ? closed.map((m) => m.list_id) : [null]).map((listId) => ({
        type: 'unsuppressed' as const,
        list_id: listId,
        subscriber_id: sub?.id ?? null,
        reason: `${by} (was ${reason})`,
      })),
    );
    return true;
  });
}

/**
 * Undoes what a bounce did to an address (`numero bounces undo`): its bounce suppression is lifted
 * and the lists it had closed as bounced reopen, each with an `unsuppressed` event that says why.
 * A complaint, an operator's suppression and a reader's own unsubscribe are never touched. Returns
 * the lists reopened, or null when the address had no bounce suppression.
 */
export async function undoBounce(db: Db, emailNormalized: string, why: string): Promise<number | null> {
  return inTransaction(db, async (trx) => {
    if (!(await deleteBounceSuppression(trx, emailNormalized))) return null;
    const [sub] = await subscribersByNormalized(trx, [emailNormalized]);
    const closed = sub ? await membershipsInStatus(trx, sub.id, ['bounced']) : [];
    for (const m of closed)
      if (sub) await transitionMembership(trx, m.list_id, sub.id, ['bounced'], 'active');
    await insertEvents(
      trx,
      (closed.length ? closed.map((m) => m.list_id) : [null]).map((listId) => ({
        type: 'unsuppressed' as const,
        list_id: listId,
        subscriber_id: sub?.id ?? null,
        reason: why.slice(0, 200),
      })),
    );
    return closed.length;
  });
}

async function move(
  db: Db,
  who: MemberRef,
  from: Array<'active' | 'unsubscribed'>,
  to: 'active' | 'unsubscribed',
  event: 'unsubscribed' | 'resubscribed',
  via: string,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const changed = await transitionMembership(trx, who.listId, who.subscriberId, from, to, via);
    if (changed) {
      await insertEvents(trx, [
        {
          type: event,
          list_id: who.listId,
          subscriber_id: who.subscriberId,
          campaign_id: who.campaignId,
          reason: via,
        },
      ]);
    }
    return changed;
  });
}
