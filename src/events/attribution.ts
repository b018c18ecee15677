import type { Claim } from '../_shared/delivery-ids.ts';
import { verifyClaim } from '../_shared/delivery-ids.ts';
import type { Db } from '../store/audience.ts';
import {
  deliveryByMessageId,
  deliveryForReport,
  deliveryOfSubscriber,
  latestDeliveryTo,
} from '../store/inbound.ts';
import type { BounceReport } from './classify.ts';

/**
 * Who a report may act on. Only a delivery numero made and signed: the claim's MAC (return path
 * or Message-ID, src/_shared/delivery-ids.ts) must be the one numero computed for that delivery,
 * the delivery must exist in that campaign, and the address the report names must be that
 * delivery's. Anything else (no claim, a campaign or delivery that does not exist, a bad MAC, an
 * address mismatch, a report that reached the unsubscribe mailbox) is recorded unattributed and
 * changes nobody. Provider webhooks, authenticated by their signatures, name the address: they
 * are matched to the latest delivery to it. Names from before signed ids (legacy) are accepted
 * for `legacyDays` after their campaign was created, and only when they match the ledger exactly
 * and name the delivery's own address.
 */
export interface AttributionContext {
  /** UNSUBSCRIBE_SECRET, which signs the ids; without it nothing can be verified. */
  secret: string | undefined;
  /** A provider's webhook, whose signature was verified: its recipient is the provider's word. */
  trustedProvider: boolean;
  legacyDays: number;
  now: number;
}

export type Attribution =
  | { ok: true; deliveryId: number; campaignId: number; subscriberId: number; email: string }
  | { ok: false; why: string; reason: RejectReason };

/** Why a report was left unattributed, as counted in /metrics (a forged report shows up here). */
export type RejectReason =
  | 'no_secret'
  | 'no_claim'
  | 'not_a_return_path'
  | 'unknown_delivery'
  | 'bad_mac'
  | 'address_mismatch'
  | 'no_recipient'
  | 'legacy_expired';

type Delivery = NonNullable<Awaited<ReturnType<typeof deliveryForReport>>>;

export async function attribute(db: Db, r: BounceReport, ctx: AttributionContext): Promise<Attribution> {
  const claim = r.claim ?? null;
  if (r.notAReturnPath && !ctx.trustedProvider)
    return no('not_a_return_path', 'reached the unsubscribe address, not a return path: acts on nobody');
  if (claim && 'signed' in claim) {
    if (!ctx.secret) return no('no_secret', 'UNSUBSCRIBE_SECRET is not set: the report cannot be verified');
    const d = await deliveryForReport(db, claim.signed.deliveryId);
    if (!d || d.campaign_id !== claim.signed.campaignId)
      return no(
        'unknown_delivery',
        `names delivery ${claim.signed.deliveryId} of campaign ${claim.signed.campaignId}, which numero never made`,
      );
    if (!verifyClaim(ctx.secret, claim.signed, d.message_key))
      return no('bad_mac', `the signature of delivery ${d.id} does not verify: forged or altered`);
    return matchAddress(r, d, { allowNoRecipient: r.kind === 'complaint' });
  }
  if (claim && 'legacy' in claim) {
    const d = await legacyDelivery(db, claim);
    if (!d) return no('unknown_delivery', 'names a delivery (old format) that is not in the ledger');
    if (d.signed_ids) return no('bad_mac', 'an unsigned name for a campaign that signs its ids: forged');
    if (ctx.now - Date.parse(d.campaign_created_at) > ctx.legacyDays * 86_400_000)
      return no('legacy_expired', `an unsigned name older than BOUNCE_LEGACY_DAYS (${ctx.legacyDays})`);
    return matchAddress(r, d, { allowNoRecipient: false });
  }
  if (ctx.trustedProvider && r.recipient) {
    const since = new Date(ctx.now - 45 * 86_400_000).toISOString();
    const d = await latestDeliveryTo(db, r.recipient, since);
    if (!d) return no('unknown_delivery', `${r.recipient} was sent nothing in the last 45 days`);
    return matchAddress(r, d, { allowNoRecipient: false });
  }
  return no('no_claim', 'names no delivery of numero (no signed return path or Message-ID)');
}

async function legacyDelivery(
  db: Db,
  claim: Extract<Claim, { legacy: unknown }>,
): Promise<Delivery | undefined> {
  const c = claim.legacy;
  if (c.messageId) {
    const d = await deliveryByMessageId(db, c.messageId);
    return d?.campaign_id === c.campaignId ? d : undefined;
  }
  if (c.subscriberId) return deliveryOfSubscriber(db, c.campaignId, c.subscriberId);
  return undefined;
}

function matchAddress(r: BounceReport, d: Delivery, o: { allowNoRecipient: boolean }): Attribution {
  const named = [r.recipient, r.originalRecipient].filter((a): a is string => !!a);
  if (!named.length) {
    if (!o.allowNoRecipient) return no('no_recipient', 'names no recipient to check against the delivery');
  } else if (!named.includes(d.email_normalized))
    return no('address_mismatch', `reports ${named[0]}, but delivery ${d.id} went to another reader`);
  return {
    ok: true,
    deliveryId: d.id,
    campaignId: d.campaign_id,
    subscriberId: d.subscriber_id,
    email: d.email_normalized,
  };
}

function no(reason: RejectReason, why: string): Attribution {
  return { ok: false, reason, why: `unattributed: ${why}` };
}
