import { timingSafeEqual } from 'node:crypto';
import { shortMac } from '../_shared/mac.ts';

/**
 * Unsubscribe tokens: `LIST.SUBSCRIBER.CAMPAIGN.MAC`, where the first three are opaque numeric or
 * short ids (no address, no name) and MAC is the first 128 bits of HMAC-SHA-256 under
 * UNSUBSCRIBE_SECRET, in lower-case base32. Lower case and short on purpose: the token also travels
 * as `unsubscribe+TOKEN@domain`, and mail systems may lower-case local parts, which are limited
 * to 64 characters.
 */
export interface UnsubscribeClaims {
  listId: number;
  subscriberId: number;
  /** The campaign the link came from, for reporting; null outside a campaign. */
  campaignId: string | null;
}

const ID = /^[1-9]\d{0,11}$/;
const CAMPAIGN = /^[a-z0-9-]{1,20}$/;
export const MIN_SECRET_LENGTH = 32;

function mac(payload: string, secret: string): string {
  return shortMac(secret, `numero-unsubscribe-v1|${payload}`, 16);
}

export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string {
  const campaign = claims.campaignId ?? '0';
  if (!ID.test(String(claims.listId)) || !ID.test(String(claims.subscriberId)) || !CAMPAIGN.test(campaign)) {
    throw new Error(`cannot sign unsubscribe token for ${JSON.stringify(claims)}`);
  }
  const payload = `${claims.listId}.${claims.subscriberId}.${campaign}`;
  return `${payload}.${mac(payload, secret)}`;
}

/** The claims of a test copy's link: list 0, subscriber 0. It verifies, and it changes nothing. */
export const TEST_CLAIMS: UnsubscribeClaims = Object.freeze({
  listId: 0,
  subscriberId: 0,
  campaignId: 'test',
});

/**
 * The token of an editor's test copy (`0.0.test.MAC`): a real, signed token, so the proof's link
 * and header look exactly like a reader's, but one that every handler recognises and ignores.
 */
export function signTestToken(secret: string): string {
  const payload = '0.0.test';
  return `${payload}.${mac(payload, secret)}`;
}

export function isTestClaims(c: UnsubscribeClaims): boolean {
  return c.listId === 0 && c.subscriberId === 0 && c.campaignId === 'test';
}

/** The claims of a genuine token, or null for anything tampered, truncated or signed with another secret. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeClaims | null {
  if (token.length > 80) return null;
  const parts = token.toLowerCase().split('.');
  if (parts.length !== 4) return null;
  const [list = '', subscriber = '', campaign = '', given = ''] = parts;
  const test = list === '0' && subscriber === '0' && campaign === 'test';
  if (!test && (!ID.test(list) || !ID.test(subscriber) || !CAMPAIGN.test(campaign))) return null;
  const expected = Buffer.from(mac(`${list}.${subscriber}.${campaign}`, secret));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  return {
    listId: Number(list),
    subscriberId: Number(subscriber),
    campaignId: campaign === '0' ? null : campaign,
  };
}
