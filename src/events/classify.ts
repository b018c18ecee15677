import { findAddresses } from './addresses.ts';
import { isAutoReply } from './autoreply.ts';
import { dsnRecipients, hasInlineDsn } from './dsn.ts';
import { readFeedback } from './feedback.ts';
import { type Ids, identify, isVerp } from './identify.ts';
import { allParts, header, type MimePart, parseMime, textOf } from './mime.ts';
import { type BounceKind, type Fault, judge } from './policy.ts';
import { sesReports } from './providers.ts';
import type { Reason } from './reasons.ts';
import { ownAddresses, pastedSenders, splitReport, textRecipients } from './report-text.ts';
import { pickStatus, replyCode } from './status-codes.ts';

export type { BounceKind } from './policy.ts';

/**
 * What a message that came back says, one report per recipient it names: a pure function of the
 * raw message (and the envelope recipients when known), no store, no clock, no network. The kind
 * comes from the failure policy (policy.ts); this module only reads: the DSN fields, the text
 * written for people (Postfix, Exim, Sendmail, qmail, Exchange, Domino, Gmail…), ARF complaints,
 * automatic replies, and SES notifications mailed through SNS.
 */
export interface BounceReport extends Ids {
  kind: BounceKind;
  /** The reader's address, lower-cased, or null when the report does not establish it. */
  recipient: string | null;
  /** RFC 3463 enhanced status code ("5.1.1"), or null. */
  status: string | null;
  diagnostic: string | null;
  /** Why, in the failure policy's words (userunknown, mailboxfull, blocked…), when it is a failure. */
  reason?: Reason | null;
  fault?: Fault;
  /** The DSN's Original-Recipient when it differs (an alias expanded on the way). */
  originalRecipient?: string;
}

export interface ClassifyOptions {
  /** The SMTP envelope recipients (RCPT TO), which carry the VERP address most reliably. */
  recipients?: readonly string[];
}

export function classifyMessage(raw: Buffer | string, opts: ClassifyOptions = {}): BounceReport[] {
  const root = parseMime(raw);
  const parts = allParts(root);
  const base: BounceReport = {
    ...identify(root, parts, opts.recipients ?? []),
    kind: 'unknown',
    recipient: null,
    status: null,
    diagnostic: null,
  };

  const feedback = readFeedback(root, parts);
  if (feedback)
    return [
      {
        ...base,
        kind: feedback.complaint ? 'complaint' : 'unknown',
        recipient: feedback.recipient,
        diagnostic: `feedback-type: ${feedback.type}`,
      },
    ];
  const ses = sesInMail(root, parts);
  if (ses) return ses.map((r) => ({ ...r, ...pickIds(base, r) }));

  const { report: text, pasted } = splitReport(root, parts);
  const dsnPart = parts.find(
    (p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status',
  );
  const dsn = dsnPart ? dsnRecipients(dsnPart) : hasInlineDsn(text) ? dsnRecipients(text) : [];
  const failedDsn = dsn.filter((r) => r.action === 'failed' || r.action === 'delayed' || r.action === '');
  if (dsn.length && !failedDsn.length) return [{ ...base, kind: 'unknown' }]; // deliveries only: news, not a bounce
  if (!failedDsn.length && !looksLikeBounce(root, text)) {
    return [{ ...base, kind: isAutoReply(root) ? 'autoreply' : 'unknown' }];
  }

  const own = ownAddresses(root, parts);
  for (const a of pastedSenders(pasted)) own.add(a);
  for (const r of opts.recipients ?? []) own.add(r.toLowerCase());
  const failedHeader = header(root, 'x-failed-recipients');
  let fromText = textRecipients(text, own).filter((r) => !isVerp(r.address));
  // A report sent back to the very address that failed (someone writing to themselves): try again
  // with only the report's own sender left out.
  if (!fromText.length && !failedDsn.length)
    fromText = textRecipients(
      text,
      new Set(findAddresses(header(root, 'from') ?? '', 5).map((a) => a.address)),
    ).filter((r) => !isVerp(r.address) && !pastedSenders(pasted).includes(r.address));
  const reports: BounceReport[] = [];
  if (failedDsn.length) {
    for (const d of failedDsn) {
      const inText = fromText.find((t) => t.address === d.recipient || t.address === d.original);
      const scope = [d.diagnostic, inText?.segment ?? (failedDsn.length === 1 ? text : '')].join('\n');
      const r = failure(base, d.recipient, scope, d.status, d.action === 'delayed', own);
      reports.push(d.original && d.original !== d.recipient ? { ...r, originalRecipient: d.original } : r);
    }
    return reports;
  }
  // X-Failed-Recipients (Exim) names them when the text does not (the text wins: it says which address failed where).
  const listed = failedHeader ? findAddresses(failedHeader.slice(0, 4000), 50).map((a) => a.address) : [];
  const recipients = fromText.length ? fromText : listed.map((address) => ({ address, segment: text }));
  if (!recipients.length) return [failure(base, null, text, null, false, own)];
  for (const r of recipients) {
    const scope = recipients.length === 1 ? `${r.segment}\n${text}` : r.segment;
    reports.push(failure(base, r.address, scope, null, false, own));
  }
  return reports;
}

function failure(
  base: BounceReport,
  recipient: string | null,
  scope: string,
  dsnStatus: string | null,
  delayed: boolean,
  own: ReadonlySet<string>,
): BounceReport {
  const status = pickStatus(scope, dsnStatus);
  const j = judge({
    status,
    reply: replyCode(scope),
    text: scope,
    delayed,
    aboutSender: namesSender(scope, status, own),
  });
  return {
    ...base,
    kind: j.kind,
    recipient,
    status,
    diagnostic: diagnosticLine(scope, status),
    reason: j.reason,
    fault: j.fault,
  };
}

const BOUNCE_SENDER =
  /^(mailer-daemon|postmaster|post_master|mail-daemon|mdaemon|mailerdaemon|mail delivery)/i;
const BOUNCE_SUBJECT =
  /(undeliver|undelivered|delivery (status notification|failure|has failed|failed|problem|notification)|failure notice|returned mail|mail delivery (failed|system|subsystem)|could not be delivered|non[- ]?delivery|delivery problem|address not found|message not delivered|error sending your mail|unzustellbar|non remis|échec de (la )?remise|no se puede entregar|impossibile recapitare|notice: mail delivery status|mail could not be delivered|rejected|returned to sender|delivery report|warning: could not send)/i;
const BOUNCE_WORDS = [
  'could not be delivered',
  'was not delivered',
  'not be delivered',
  'undeliverable',
  'delivery failed',
  'delivery has failed',
  'failed permanently',
  'permanent error',
  'permanent fatal error',
  'did not reach',
  'unable to deliver',
  "wasn't able to deliver",
  'error delivering',
  'trouble delivering',
  'delivery to the following recipient',
  'had delivery problems',
  'failed to send',
  'invalid user address',
  'returned mail',
  'mail delivery failed',
  'non-delivered',
  'message not delivered',
  'could not deliver',
  'delivery status notification',
  'the following address',
  'the following recipient',
  'rejected by',
  'duplicated message-id',
  'not a member of this',
];

function looksLikeBounce(root: MimePart, text: string): boolean {
  const from = header(root, 'from') ?? '';
  const fromAddress = findAddresses(from.slice(0, 500), 1)[0]?.address ?? from.trim();
  if (BOUNCE_SENDER.test(fromAddress) || BOUNCE_SENDER.test(from.trim())) return true;
  if (header(root, 'x-failed-recipients')) return true;
  if (BOUNCE_SUBJECT.test((header(root, 'subject') ?? '').slice(0, 300)) && !isAutoReply(root)) return true;
  if (isAutoReply(root)) return false;
  const folded = text
    .slice(0, 32 * 1024)
    .toLowerCase()
    .replace(/\s+/g, ' ');
  return BOUNCE_WORDS.some((w) => folded.includes(w));
}

/** Whether the refusal itself (the line with its status or reply code) names the sender's own address. */
function namesSender(scope: string, status: string | null, own: ReadonlySet<string>): boolean {
  for (const line of scope.split('\n').slice(0, 400)) {
    if (!(status && line.includes(status)) && !/(^|\s)[45]\d\d[\s-]/.test(line)) continue;
    if (/mail from|from:?\s*<|\brcpt\b|expanded from|generated from/i.test(line)) continue;
    if (findAddresses(line, 10).some((a) => own.has(a.address))) return true;
  }
  return false;
}

/** The line of the report that says it best: the one with the status, else one with a reply code. */
function diagnosticLine(text: string, status: string | null): string | null {
  const lines = text.split('\n').map((l) => l.trim());
  const hit =
    (status ? lines.find((l) => l.includes(status)) : undefined) ??
    lines.find((l) => /(^|\s)[45]\d\d[\s-]/.test(l) && /[a-z]{3}/i.test(l)) ??
    lines.find((l) => /[a-z]{4}/i.test(l));
  return hit ? hit.slice(0, 300) : null;
}

/** An SES notification mailed by SNS: its JSON is the body. */
function sesInMail(root: MimePart, parts: MimePart[]): BounceReport[] | null {
  const from = (header(root, 'from') ?? '').toLowerCase();
  if (!from.includes('amazonaws.com') && !from.includes('amazonses.com')) return null;
  for (const p of parts) {
    if (p.type !== 'text/plain') continue;
    // Long lines come wrapped by mail servers ("!" + newline + space).
    const t = textOf(p)
      .slice(0, 256 * 1024)
      .replace(/!\r?\n /g, '');
    const type = /"(notificationType|eventType)"\s*:\s*"(Bounce|Complaint)"/.exec(t)?.[2];
    if (!type) continue;
    const start = t.indexOf('{');
    let reports = sesReports(t.slice(start, t.lastIndexOf('}') + 1));
    if (!reports.some((r) => r.kind !== 'unknown')) {
      // A notification cut short: its bounce or complaint object alone still says it all.
      const key = type === 'Bounce' ? '"bounce"' : '"complaint"';
      const inner = balancedObject(t, t.indexOf('{', t.indexOf(key)));
      if (inner) reports = sesReports(`{"notificationType":"${type}",${key}:${inner}}`);
    }
    if (reports.some((r) => r.kind !== 'unknown')) return reports;
  }
  return null;
}

/** The JSON object that starts at `start` (strings and escapes respected), or null. */
function balancedObject(text: string, start: number): string | null {
  if (start < 0 || text[start] !== '{') return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

function pickIds(base: Ids, r: Ids): Ids {
  return {
    campaign: r.campaign ?? base.campaign,
    subscriber: r.subscriber ?? base.subscriber,
    delivery: r.delivery ?? base.delivery,
    messageId: r.messageId ?? base.messageId,
  };
}
