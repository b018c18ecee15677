import { timingSafeEqual } from 'node:crypto';
import { shortMac } from '../_shared/mac.ts';

/**
 * The link of a signup's confirmation message: `SIGNUP.EXPIRES.MAC`, SIGNUP the signup's id,
 * EXPIRES the last second it is good for (Unix time, base 36), MAC the first 128 bits of
 * HMAC-SHA-256 under UNSUBSCRIBE_SECRET (the unsubscribe tokens' machinery, another domain) over
 * both and the signup's random nonce. The nonce stays in the database, so a link cannot be made
 * from a signup's id, and it is single use by the signup's `confirmed_at`.
 */
export interface ConfirmClaims {
  signupId: number;
  /** Unix seconds. */
  expires: number;
}

const ID = /^[1-9]\d{0,11}$/;
const EXPIRES = /^[0-9a-z]{1,8}$/;

function mac(claims: ConfirmClaims, nonce: string, secret: string): string {
  return shortMac(secret, `numero-confirm-v1|${claims.signupId}.${claims.expires}|${nonce}`, 16);
}

export function signConfirmToken(claims: ConfirmClaims, nonce: string, secret: string): string {
  return `${claims.signupId}.${claims.expires.toString(36)}.${mac(claims, nonce, secret)}`;
}

/** What a token says, before its MAC is checked (it needs the signup's nonce); null when malformed. */
export function readConfirmToken(token: string): (ConfirmClaims & { given: string }) | null {
  if (token.length > 80) return null;
  const [id = '', expires = '', given = '', ...rest] = token.toLowerCase().split('.');
  if (rest.length || !ID.test(id) || !EXPIRES.test(expires) || !given) return null;
  return { signupId: Number(id), expires: Number.parseInt(expires, 36), given };
}

/** Whether the token was signed for this signup's nonce under this secret, and is still good at `nowMs`. */
export function confirmTokenValid(
  read: ConfirmClaims & { given: string },
  nonce: string,
  secret: string,
  nowMs = Date.now(),
): boolean {
  const expected = Buffer.from(mac(read, nonce, secret));
  const actual = Buffer.from(read.given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
  return nowMs <= read.expires * 1000;
}
