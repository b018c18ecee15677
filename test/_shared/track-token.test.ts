import { describe, expect, it } from 'vitest';
import { messageTrackingKey, verifyClick, verifyOpen } from '../../src/_shared/track-token.ts';

const SECRET = 's'.repeat(48);

describe('tracking tokens: /r/C.P.KEY.MAC and /o/C.KEY.MAC.gif (issue 23)', () => {
  it('round-trips, naming the delivery only with clicks-per-reader', () => {
    const perReader = messageTrackingKey(SECRET, 37, 1234);
    expect(perReader).toMatch(/^rya\.[A-Za-z0-9_-]{16}$/); // 1234 in base 36
    expect(verifyClick(SECRET, `11.3.${perReader}`)).toEqual({
      campaignId: 37,
      position: 3,
      key: 'rya',
      deliveryId: 1234,
    });
    const anonymous = messageTrackingKey(SECRET, 37, null);
    expect(anonymous).toMatch(/^a[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}$/);
    const r = verifyClick(SECRET, `11.1.${anonymous}`);
    expect(r).toMatchObject({ campaignId: 37, position: 1, deliveryId: null });
    expect(verifyOpen(SECRET, `11.${anonymous}.gif`)).toMatchObject({ campaignId: 37, position: null });
    // Random per message: two messages are two keys.
    expect(messageTrackingKey(SECRET, 37, null)).not.toBe(anonymous);
  });

  it('refuses forged, truncated, altered and swapped tokens', () => {
    const mine = messageTrackingKey(SECRET, 37, 1234);
    const other = messageTrackingKey(SECRET, 37, 1235);
    const [otherKey] = other.split('.');
    const [, mac] = mine.split('.');
    const refused = [
      `11.3.${messageTrackingKey('x'.repeat(48), 37, 1234)}`, // another secret
      `11.3.${mine.slice(0, -1)}`, // truncated
      `11.3.${mine}x`,
      `11.3.${otherKey}.${mac}`, // another reader's key with my MAC
      `12.3.${mine}`, // another campaign
      `11.3.r1.${'A'.repeat(16)}`, // made up
      `11.0.${mine}`, // no link 0
      `11.3`,
      '',
      `11.3.${mine}/../../x`,
      `11.3.${mine.replace(/^r/, 'a')}`,
    ];
    for (const t of refused) expect(verifyClick(SECRET, t), t).toBeNull();
    expect(verifyOpen(SECRET, `11.${mine}`)).toBeNull(); // no .gif
    expect(verifyOpen(SECRET, `12.${mine}.gif`)).toBeNull();
  });
});
