import { describe, expect, it } from 'vitest';
import { listUnsubscribeHeaders, unsubscribeLinks } from '../../src/audience/list-unsubscribe.ts';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/audience/unsubscribe-token.ts';

const SECRET = 'x'.repeat(40);
const claims = { listId: 3, subscriberId: 12345, campaignId: '42' };

describe('unsubscribe tokens', () => {
  it('round-trips, carries only opaque ids, and survives a lower-casing mail system', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    expect(token).toMatch(/^3\.12345\.42\.[a-z2-7]{26}$/);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual(claims);
    expect(verifyUnsubscribeToken(token.toUpperCase(), SECRET)).toEqual(claims);
    expect(
      verifyUnsubscribeToken(signUnsubscribeToken({ ...claims, campaignId: null }, SECRET), SECRET),
    ).toEqual({
      ...claims,
      campaignId: null,
    });
  });

  it('signs as it always has: links in mail already sent keep working', () => {
    // HMAC-SHA-256 over `numero-unsubscribe-v1|3.12345.7`, first 128 bits, base32 (computed once, pinned).
    expect(signUnsubscribeToken({ listId: 3, subscriberId: 12345, campaignId: '7' }, 'é'.repeat(40))).toBe(
      '3.12345.7.wmecivu3qzdpno3stzm7nhrvwa',
    );
    expect(signUnsubscribeToken({ listId: 1, subscriberId: 2, campaignId: null }, 'x'.repeat(32))).toBe(
      '1.2.0.vibxv3ydrlkplxwall7dln3bae',
    );
  });

  it('rejects tampered, truncated and foreign-secret tokens', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    const otherReader = token.replace('12345', '12346');
    const flipped = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    for (const bad of [
      otherReader,
      flipped,
      token.slice(0, -3),
      token.split('.').slice(0, 3).join('.'),
      '',
      'a.b.c.d',
    ]) {
      expect(verifyUnsubscribeToken(bad, SECRET)).toBeNull();
    }
    expect(verifyUnsubscribeToken(token, 'y'.repeat(40))).toBeNull();
  });

  it('builds RFC 2369 / RFC 8058 headers with a mailto that fits in a local part', () => {
    const links = unsubscribeLinks(claims, {
      secret: SECRET,
      publicUrl: 'https://lettre.example.org',
      mailtoDomain: 'lettre.example.org',
    });
    expect(links.mailto?.split('@')[0]?.length).toBeLessThanOrEqual(64);
    expect(listUnsubscribeHeaders(links)).toEqual({
      'List-Unsubscribe': `<https://lettre.example.org/unsubscribe/${links.token}>, <mailto:unsubscribe+${links.token}@lettre.example.org?subject=unsubscribe>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('refuses to build a header that CR/LF could split', () => {
    expect(() =>
      listUnsubscribeHeaders({
        token: 't',
        url: 'https://x.example/u\r\nBcc: victim@example.org',
        mailto: null,
      }),
    ).toThrow(/unsafe List-Unsubscribe URI/);
  });
});
