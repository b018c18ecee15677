import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Mailgun signs each webhook in its body: `signature: { timestamp, token, signature }`, the
 * signature being the hex HMAC-SHA256 of timestamp + token under the webhook signing key. numero
 * also refuses a timestamp more than MAX_AGE_MS away from its clock and a token it has already
 * seen (a replayed request), as Mailgun's documentation advises.
 */
export const MAX_AGE_MS = 5 * 60_000;

/** Tokens seen within the window: a replay of a signed request is refused. Bounded. */
export class ReplayGuard {
  private seen = new Map<string, number>();
  constructor(private readonly max = 50_000) {}

  /** True the first time a token is offered within the window. */
  first(token: string, now: number): boolean {
    for (const [t, at] of this.seen) {
      if (now - at <= MAX_AGE_MS && this.seen.size < this.max) break;
      this.seen.delete(t);
    }
    if (this.seen.has(token)) return false;
    this.seen.set(token, now);
    return true;
  }
}

/** Why the signature is refused, or null when it holds. */
export function mailgunSignatureProblem(
  signature: unknown,
  key: string,
  now: number,
  replays: ReplayGuard,
): string | null {
  if (!signature || typeof signature !== 'object') return 'no signature';
  const s = signature as Record<string, unknown>;
  const timestamp =
    typeof s.timestamp === 'string' || typeof s.timestamp === 'number' ? String(s.timestamp) : '';
  const token = typeof s.token === 'string' ? s.token : '';
  const given = typeof s.signature === 'string' ? s.signature : '';
  if (!/^\d{1,12}$/.test(timestamp) || !token || token.length > 200 || !/^[0-9a-f]{64}$/i.test(given))
    return 'malformed signature';
  const expected = createHmac('sha256', key)
    .update(timestamp + token)
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return 'bad signature';
  if (Math.abs(now - Number(timestamp) * 1000) > MAX_AGE_MS) return 'timestamp outside the 5-minute window';
  if (!replays.first(token, now)) return 'token already used (replay)';
  return null;
}
