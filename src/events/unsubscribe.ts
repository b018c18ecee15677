import { insertEvents, transitionMembership } from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import { type UnsubscribeClaims, verifyUnsubscribeToken } from './unsubscribe-token.ts';

export type UnsubscribeVia = 'link' | 'one-click' | 'mailto' | 'cli';

/**
 * Unsubscribes a reader from one list. Idempotent: only a change of state writes an event, so a
 * replayed request is harmless. The transaction commits before this resolves, so the caller can
 * answer 200 knowing the unsubscribe is on disk and every later send will see it.
 */
export async function unsubscribe(
  store: Store,
  claims: UnsubscribeClaims,
  via: UnsubscribeVia,
): Promise<boolean> {
  return changeMembership(store, claims, 'active', 'unsubscribed', via);
}

/** Undoes an unsubscribe from the confirmation page. Bounced and complained readers stay as they are. */
export async function resubscribe(store: Store, claims: UnsubscribeClaims, via: string): Promise<boolean> {
  return changeMembership(store, claims, 'unsubscribed', 'active', via);
}

async function changeMembership(
  store: Store,
  claims: UnsubscribeClaims,
  from: 'active' | 'unsubscribed',
  to: 'active' | 'unsubscribed',
  via: string,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const changed = await transitionMembership(trx, claims.listId, claims.subscriberId, [from], to);
    if (changed) {
      await insertEvents(trx, [
        {
          type: to === 'active' ? 'resubscribed' : 'unsubscribed',
          list_id: claims.listId,
          subscriber_id: claims.subscriberId,
          campaign_id: claims.campaignId,
          reason: via,
        },
      ]);
    }
    return changed;
  });
}

/**
 * A message received for `unsubscribe+TOKEN@…` (the mailto: of List-Unsubscribe). The inbound SMTP
 * listener of a later stage calls this with the envelope recipients; a recipient whose token does
 * not verify is ignored. Returns how many valid unsubscribe requests the message carried.
 */
export async function handleUnsubscribeMail(
  store: Store,
  secret: string,
  recipients: readonly string[],
): Promise<number> {
  let handled = 0;
  for (const rcpt of recipients) {
    const m = /^unsubscribe\+([^@]+)@/i.exec(rcpt.trim());
    const claims = m?.[1] ? verifyUnsubscribeToken(m[1], secret) : null;
    if (!claims) continue;
    await unsubscribe(store, claims, 'mailto');
    handled++;
  }
  return handled;
}
