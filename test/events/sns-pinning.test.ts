import { describe, expect, it } from 'vitest';
import {
  isSnsCertUrl,
  isSnsUrl,
  NEW_CERTS_PER_HOUR,
  type SnsMessage,
  snsVerifier,
} from '../../src/events/sns.ts';

describe('SNS signing certificates come from an SNS endpoint, fetched sparingly', () => {
  it('pins the host to sns.REGION.amazonaws.com and the path to SNS’s own certificate', () => {
    const ok = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
    expect(isSnsCertUrl(ok)).toBe(true);
    expect(
      isSnsCertUrl('https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem'),
    ).toBe(true);
    expect(
      isSnsCertUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123456789abcdef.pem'),
    ).toBe(true);
    for (const bad of [
      // A bucket named sns on S3, in either addressing style.
      'https://sns.s3.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
      'https://sns.s3-eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
      'https://sns.s3.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
      'https://sns.eu-west-1.amazonaws.com/attacker.pem',
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem?x=1',
      'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem',
      'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-0123456789abcdef.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef.pem',
    ])
      expect([bad, isSnsCertUrl(bad)]).toEqual([bad, false]);
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')).toBe(true);
  });

  it(`fetches each certificate URL once, failures included, and at most ${NEW_CERTS_PER_HOUR} new ones an hour`, async () => {
    const fetched: string[] = [];
    let clock = 0;
    const verify = snsVerifier(
      async (url) => {
        fetched.push(url);
        throw new Error('404');
      },
      () => clock,
    );
    const msg = (n: number) =>
      ({
        Type: 'Notification',
        MessageId: 'm',
        TopicArn: 't',
        Message: '{}',
        Timestamp: '2026-12-05T00:00:00Z',
        SignatureVersion: '2',
        Signature: 'x',
        SigningCertURL: `https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-${String(n).padStart(16, '0')}.pem`,
      }) as SnsMessage;
    for (let i = 0; i < 3; i++) expect(await verify(msg(1))).toMatch(/certificate unavailable/);
    expect(fetched).toHaveLength(1);
    for (let n = 2; n <= 30; n++) await verify(msg(n));
    expect(fetched).toHaveLength(NEW_CERTS_PER_HOUR);
    expect(await verify(msg(31))).toMatch(/new signing certificate URLs this hour/);
    clock += 3_600_001;
    await verify(msg(32));
    expect(fetched).toHaveLength(NEW_CERTS_PER_HOUR + 1);
  });
});
