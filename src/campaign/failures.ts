import { domainToASCII } from 'node:url';
import { NumeroError } from '../errors.ts';
import type { Db } from '../store/audience.ts';
import { deliveriesInStatusPage, type FailureRow } from '../store/deliveries.ts';
import type { DeliveryStatus } from '../store/schema.ts';

/**
 * Which failed deliveries an operator means: by SMTP reply code (`451`, a class `4xx`, or `none`
 * for failures without a reply, such as a refused connection) and by recipient domain. The same
 * predicate serves `campaign show`, `campaign retry` and the dashboard, so what is shown is what
 * a retry takes.
 */
export interface FailureFilter {
  code?: string | undefined;
  domain?: string | undefined;
  /**
   * Instead of `failed` rows: rows recorded `bounced` by a failure of the relay itself (refused
   * credentials, 530/534/535/538), as versions before the relay breaker recorded them.
   */
  transportFailures?: boolean | undefined;
}

export function parseFailureFilter(o: {
  code?: string | undefined;
  domain?: string | undefined;
  transportFailures?: boolean | undefined;
}): FailureFilter {
  const code = o.code?.trim().toLowerCase() || undefined;
  if (code !== undefined && !/^(\d{3}|[245]xx|none)$/.test(code))
    throw new NumeroError(
      'USAGE',
      `--code: expected a reply code (451), a class (4xx) or none, not "${o.code}"`,
    );
  let domain = o.domain?.trim().toLowerCase() || undefined;
  if (domain !== undefined) {
    const ascii = domainToASCII(domain);
    if (!ascii || !/^[a-z0-9.-]+$/.test(ascii))
      throw new NumeroError('USAGE', `--domain: not a domain name: "${o.domain}"`);
    domain = ascii;
  }
  return { code, domain, transportFailures: o.transportFailures || undefined };
}

/** A `bounced` row whose reply was the relay refusing us, not the recipient's server refusing the reader. */
export function isTransportBounce(row: Pick<FailureRow, 'smtp_code' | 'smtp_response'>): boolean {
  const text = row.smtp_response ?? '';
  if (row.smtp_code !== null && [530, 534, 535, 538].includes(row.smtp_code)) return true;
  return /\b5\.7\.[089]\b/.test(text) && /auth|credential|password|login/i.test(text);
}

export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function matchesFilter(row: Pick<FailureRow, 'smtp_code' | 'email'>, f: FailureFilter): boolean {
  if (f.domain !== undefined && domainOf(row.email) !== f.domain) return false;
  if (f.code === undefined) return true;
  if (f.code === 'none') return row.smtp_code === null;
  if (row.smtp_code === null) return false;
  return f.code.endsWith('xx') ? String(row.smtp_code)[0] === f.code[0] : String(row.smtp_code) === f.code;
}

export function describeFilter(f: FailureFilter): string {
  const parts = [
    f.transportFailures ? 'relay failures recorded as bounces' : '',
    f.code ? `code ${f.code}` : '',
    f.domain ? `domain ${f.domain}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'all';
}

/** The reply text with addresses masked, so one server's per-recipient wording groups together. */
export function replyKey(text: string | null): string {
  if (!text) return '(no reply)';
  return text
    .replace(/<[^<>\s]*@[^<>\s]*>/g, '<…>')
    .replace(/[^\s<>"']+@[^\s<>"']+/g, '…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

const PAGE = 5_000;

/** Calls `fn` for every delivery of the campaign in `statuses`, page by page (flat memory). */
export async function scanDeliveries(
  db: Db,
  campaignId: number,
  statuses: readonly DeliveryStatus[],
  fn: (row: FailureRow) => void,
): Promise<void> {
  for (let after = 0; ; ) {
    const page = await deliveriesInStatusPage(db, campaignId, statuses, after, PAGE);
    for (const r of page) fn(r);
    if (page.length < PAGE) return;
    after = page.at(-1)?.id ?? after;
  }
}
