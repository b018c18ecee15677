import { createVerify, X509Certificate } from 'node:crypto';

/**
 * Amazon SNS message signatures (how SES delivers bounce and complaint notifications over HTTPS):
 * the fields SNS signs, in its order, verified against the signing certificate, whose URL must be
 * an HTTPS address of an SNS host, or anyone could sign with a certificate of their own.
 */

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
}

/**
 * An AWS region's SNS endpoint, and nothing else that AWS hosts: `sns.eu-west-1.amazonaws.com`,
 * `sns.us-gov-west-1.amazonaws.com`, `sns.cn-north-1.amazonaws.com.cn`. A bucket named `sns` on S3
 * (`sns.s3.amazonaws.com`) or any other label in the region's place is refused.
 */
const SNS_HOST = /^sns\.(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})\.amazonaws\.com(?:\.cn)?$/;
/** Where SNS publishes its signing certificates. */
const CERT_PATH = /^\/SimpleNotificationService-[0-9a-f]{16,64}\.pem$/;

/** Whether a URL is an SNS endpoint's (https, an sns.REGION.amazonaws.com host, default port). */
export function isSnsUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === 'https:' && SNS_HOST.test(u.hostname) && u.port === '' && !u.username && !u.password
    );
  } catch {
    return false;
  }
}

/** Whether a URL can be an SNS signing certificate's: an SNS host, and SNS's own certificate path. */
export function isSnsCertUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return isSnsUrl(url) && CERT_PATH.test(u.pathname) && !u.search && !u.hash;
  } catch {
    return false;
  }
}

/** New certificate URLs fetched per hour at most: a stream of invented ones never becomes a stream of fetches. */
export const NEW_CERTS_PER_HOUR = 10;

export function parseSnsMessage(body: string): SnsMessage | null {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
  const type = str('Type');
  if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation')
    return null;
  const need = [
    'MessageId',
    'TopicArn',
    'Message',
    'Timestamp',
    'SignatureVersion',
    'Signature',
    'SigningCertURL',
  ];
  if (need.some((k) => str(k) === undefined)) return null;
  return m as unknown as SnsMessage;
}

/** The string SNS signs for this message type (documented by AWS: name, newline, value, newline). */
export function stringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? [
          'Message',
          'MessageId',
          ...(m.Subject !== undefined ? ['Subject'] : []),
          'Timestamp',
          'TopicArn',
          'Type',
        ]
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((k) => `${k}\n${(m as unknown as Record<string, string>)[k] ?? ''}\n`).join('');
}

export type FetchText = (url: string) => Promise<string>;

/** Fetches over HTTPS, SNS hosts only. */
export const fetchFromSns: FetchText = async (url) => {
  if (!isSnsUrl(url)) throw new Error(`not an SNS URL: ${url.slice(0, 100)}`);
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
};

/**
 * Verifies the signature; the certificate is fetched once per URL (SNS rotates it rarely). Returns
 * why it fails, or null when it holds.
 */
export function snsVerifier(fetchText: FetchText = fetchFromSns, now: () => number = Date.now) {
  const certs = new Map<string, Promise<string>>();
  let window = { start: now(), fetched: 0 };
  return async (m: SnsMessage): Promise<string | null> => {
    if (!isSnsCertUrl(m.SigningCertURL))
      return 'SigningCertURL is not an https://sns.REGION.amazonaws.com/SimpleNotificationService-….pem address';
    if (m.SignatureVersion !== '1' && m.SignatureVersion !== '2')
      return `unknown SignatureVersion ${m.SignatureVersion}`;
    let pem: string;
    try {
      let p = certs.get(m.SigningCertURL);
      if (!p) {
        if (now() - window.start > 3_600_000) window = { start: now(), fetched: 0 };
        if (window.fetched >= NEW_CERTS_PER_HOUR)
          return `more than ${NEW_CERTS_PER_HOUR} new signing certificate URLs this hour: not fetched`;
        window.fetched++;
        p = fetchText(m.SigningCertURL);
        // Kept, failures included (an invented URL is asked once), up to a bound.
        if (certs.size >= 100) certs.clear();
        certs.set(m.SigningCertURL, p);
      }
      pem = await p;
      const cert = new X509Certificate(pem);
      if (new Date(cert.validTo) < new Date()) return 'the signing certificate has expired';
    } catch (e) {
      return `signing certificate unavailable: ${(e as Error).message}`;
    }
    const verify = createVerify(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    verify.update(stringToSign(m), 'utf8');
    try {
      return verify.verify(pem, m.Signature, 'base64') ? null : 'bad signature';
    } catch {
      return 'bad signature';
    }
  };
}
