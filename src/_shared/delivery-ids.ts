import { timingSafeEqual } from 'node:crypto';
import { shortMac } from './mac.ts';

/**
 * The two names numero gives each delivery on the wire, made and read here only:
 *
 * - the Message-ID `<numero.cCAMPAIGN.dDELIVERY.MAC@domain>`;
 * - the VERP return path `bounces+CAMPAIGN.DELIVERY.MAC@bounce-domain`, where bounces come back.
 *
 * MAC is 80 bits of HMAC-SHA-256 under UNSUBSCRIBE_SECRET over campaign, delivery and the
 * campaign's random key, in lower-case base32 (mail systems may lower-case a local part; the local
 * part stays under 64 characters). One reader's copy tells nothing about another's: a report acts
 * on a reader only when it names a delivery with its MAC (see src/events/attribution.ts).
 *
 * Messages sent before signed names (campaigns with `signed_ids` false) used
 * `bounces+CAMPAIGN.SUBSCRIBER@` and `<numero.cC.dD.KEY@…>`; they are read as `legacy` claims,
 * which the attribution accepts only within the transition window and only when strictly matched.
 */
const MAC_CHARS = 16;
const ID = '[1-9]\\d{0,11}';
const VERP = new RegExp(`^bounces\\+(${ID})\\.(${ID})(?:\\.([a-z2-7]{${MAC_CHARS}}))?@`, 'i');
const MESSAGE_ID = new RegExp(
  `^<?numero\\.c(${ID})\\.d(${ID})(?:\\.([a-z0-9]{1,32}))?@[^<>\\s@]{1,255}>?$`,
  'i',
);

export interface DeliveryClaim {
  campaignId: number;
  deliveryId: number;
  mac: string;
}

/** A name in the pre-signature format: what it says must be matched strictly against the ledger. */
export interface LegacyClaim {
  campaignId: number;
  /** The VERP of old named the subscriber; the Message-ID of old named the delivery. */
  subscriberId?: number;
  deliveryId?: number;
  /** The whole Message-ID, to compare with the ledger's. */
  messageId?: string;
}

export type Claim = { signed: DeliveryClaim } | { legacy: LegacyClaim };

export function deliveryMac(
  secret: string,
  campaignId: number,
  deliveryId: number,
  campaignKey: string | null,
): string {
  return shortMac(secret, `numero-delivery-v1|${campaignId}.${deliveryId}.${campaignKey ?? ''}`, 10);
}

export function mintMessageId(campaignId: number, deliveryId: number, mac: string, domain: string): string {
  return `<numero.c${campaignId}.d${deliveryId}.${mac}@${domain}>`;
}

export function mintReturnPath(
  campaignId: number,
  deliveryId: number,
  mac: string,
  bounceDomain: string,
): string {
  return `bounces+${campaignId}.${deliveryId}.${mac}@${bounceDomain}`;
}

/** What a return-path address claims, or null when it is not one of numero's. */
export function readReturnPath(address: string): Claim | null {
  const m = VERP.exec(address.trim().slice(0, 320));
  if (!m) return null;
  const campaignId = Number(m[1]);
  if (m[3]) return { signed: { campaignId, deliveryId: Number(m[2]), mac: m[3].toLowerCase() } };
  return { legacy: { campaignId, subscriberId: Number(m[2]) } };
}

/** What a Message-ID claims, or null when numero did not make it. */
export function readMessageId(id: string): Claim | null {
  const v = id.trim();
  const m = MESSAGE_ID.exec(v.slice(0, 400));
  if (!m) return null;
  const campaignId = Number(m[1]);
  const deliveryId = Number(m[2]);
  const tail = m[3]?.toLowerCase();
  if (tail && tail.length === MAC_CHARS && /^[a-z2-7]+$/.test(tail))
    return { signed: { campaignId, deliveryId, mac: tail } };
  const messageId = v.startsWith('<') ? v : `<${v}>`;
  return { legacy: { campaignId, deliveryId, messageId } };
}

/** Whether a signed claim's MAC is the one numero made for that delivery of that campaign. */
export function verifyClaim(secret: string, claim: DeliveryClaim, campaignKey: string | null): boolean {
  const expected = Buffer.from(deliveryMac(secret, claim.campaignId, claim.deliveryId, campaignKey));
  const given = Buffer.from(claim.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The local part of a return path, as the inbound listener accepts it (new or legacy). */
export function isReturnPathLocal(local: string): boolean {
  return readReturnPath(`${local}@x`) !== null;
}
