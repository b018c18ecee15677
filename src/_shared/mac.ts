import { createHmac, createSecretKey } from 'node:crypto';
import { remembered } from './remembered.ts';

/**
 * The MACs numero mints (unsubscribe tokens, delivery names): the first `bytes` of an HMAC-SHA-256
 * under the secret, in lower-case base32, because they travel in mail local parts, which mail systems
 * may lower-case. The key object is made once per secret: a worker signs per reader.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const keyOf = remembered((secret: string) => createSecretKey(Buffer.from(secret, 'utf8')));

export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function shortMac(secret: string, payload: string, bytes: number): string {
  return base32(createHmac('sha256', keyOf(secret)).update(payload).digest().subarray(0, bytes));
}
