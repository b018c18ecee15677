import { allParts, fieldBlocks, header, type MimePart, parseMime, textOf } from './mime.ts';
import { kindOfFailure } from './reply-codes.ts';

/**
 * What a message that came back says, for each recipient it reports on. A pure function of the
 * raw message (and the envelope recipients when known): no store, no clock, no network.
 *
 * - hard: the address does not exist (5.1.x, "user unknown"): suppress;
 * - soft: mailbox full, over quota, delayed, any 4.x.x: count, suppress after several in a row;
 * - policy: the receiver refused the sender or the content (5.7.x, spam, DMARC): the sender's
 *   problem, never the reader's;
 * - complaint: the reader marked the message as spam (an ARF feedback report);
 * - autoreply: out of office and other automatic answers: never a bounce;
 * - unknown: anything else (a human reply, a success notice).
 */
export type BounceKind = 'hard' | 'soft' | 'policy' | 'complaint' | 'autoreply' | 'unknown';

export interface BounceReport {
  kind: BounceKind;
  /** The reader's address, lower-cased, or null. */
  recipient: string | null;
  /** RFC 3463 enhanced status code ("5.1.1"), or null. */
  status: string | null;
  diagnostic: string | null;
  /** From the VERP return path (bounces+CAMPAIGN.SUBSCRIBER@…) or the returned original's headers. */
  campaign: string | null;
  subscriber: string | null;
  /** The delivery id from the returned original's Message-ID, when the subscriber is not known. */
  delivery: string | null;
  /** The returned original's Message-ID: matched against the ledger, it names the delivery for sure. */
  messageId: string | null;
}

export interface ClassifyOptions {
  /** The SMTP envelope recipients (RCPT TO), which carry the VERP address most reliably. */
  recipients?: readonly string[];
}

const VERP = /\bbounces\+(\d+)\.(\d+)@/i;
const NUMERO_MESSAGE_ID = /numero\.c(\d+)\.d(\d+)/i;
const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

export function classifyMessage(raw: Buffer | string, opts: ClassifyOptions = {}): BounceReport[] {
  const root = parseMime(raw);
  const parts = allParts(root);
  const ids = { ...identify(root, parts, opts.recipients ?? []), messageId: originalMessageId(root, parts) };
  const base: BounceReport = { ...ids, kind: 'unknown', diagnostic: null, status: null, recipient: null };

  const feedback = parts.find((p) => p.type === 'message/feedback-report');
  if (feedback) return [fromFeedback(feedback, parts, base)];

  const dsn = parts.find(
    (p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status',
  );
  if (dsn) {
    // Only failed and delayed recipients count: a report of deliveries alone is news, not a bounce.
    const reports = fromDeliveryStatus(dsn, base);
    return reports.length ? reports : [{ ...base, kind: 'unknown' }];
  }
  if (looksLikeBounce(root)) return [fromBounceText(root, parts, base)];
  if (isAutoReply(root)) return [{ ...base, kind: 'autoreply' }];
  return [{ ...base, kind: 'unknown' }];
}

type Found = Omit<Ids, 'messageId'>;
type Ids = Pick<BounceReport, 'campaign' | 'subscriber' | 'delivery' | 'messageId'>;

/** Campaign and subscriber: the VERP address first, then the returned original's own headers. */
function identify(root: MimePart, parts: MimePart[], recipients: readonly string[]): Found {
  const candidates = [
    ...recipients,
    ...['delivered-to', 'x-original-to', 'envelope-to', 'to'].map((h) => header(root, h) ?? ''),
  ];
  for (const c of candidates) {
    const m = VERP.exec(c);
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
  }
  // The original (message/rfc822 or text/rfc822-headers): its Return-Path or our own headers.
  for (const p of parts) {
    if (p === root) continue;
    const campaign = header(p, 'x-campaign-id');
    const subscriber = header(p, 'x-subscriber-id');
    if (campaign && /^\d+$/.test(campaign))
      return {
        campaign,
        subscriber: subscriber && /^\d+$/.test(subscriber) ? subscriber : null,
        delivery: null,
      };
    const m = VERP.exec(header(p, 'return-path') ?? '');
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
    const id = NUMERO_MESSAGE_ID.exec(header(p, 'message-id') ?? '');
    if (id) return { campaign: id[1] ?? null, subscriber: null, delivery: id[2] ?? null };
  }
  // ARF reports name the original envelope sender, which is the VERP address.
  for (const p of parts) {
    if (p.type !== 'message/feedback-report') continue;
    const m = VERP.exec(textOf(p));
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
  }
  return { campaign: null, subscriber: null, delivery: null };
}

/** The Message-ID of the message that came back (the first embedded message or header block that has one). */
function originalMessageId(root: MimePart, parts: MimePart[]): string | null {
  for (const p of parts) {
    if (p === root || !p.headers.size) continue;
    const id = header(p, 'message-id');
    if (id && /^<[^<>\s]+>$/.test(id)) return id;
  }
  const xid = parts
    .filter((p) => p.type === 'message/delivery-status')
    .map((p) => /X-Original-Message-ID:\s*(<[^<>\s]+>)/i.exec(textOf(p))?.[1])
    .find(Boolean);
  return xid ?? null;
}

function addressIn(value: string | undefined): string | null {
  if (!value) return null;
  // "rfc822; user@example.org" or "<user@example.org>"
  const v = value.replace(/^\s*[a-z0-9-]+\s*;\s*/i, '');
  const m = v.match(ADDRESS);
  return m?.[0] ? m[0].toLowerCase() : null;
}

function fromFeedback(part: MimePart, parts: MimePart[], base: BounceReport): BounceReport {
  const [fields = new Map<string, string>()] = fieldBlocks(textOf(part));
  const type = (fields.get('feedback-type') ?? 'abuse').toLowerCase();
  const original = parts.find(
    (p) => p !== part && (p.type === 'message/rfc822' || p.type === 'text/rfc822-headers'),
  );
  const originalMessage = original?.parts[0];
  const recipient =
    addressIn(fields.get('original-rcpt-to')) ??
    addressIn(originalMessage ? header(originalMessage, 'to') : undefined) ??
    null;
  // not-spam is a report that a message was wrongly filtered: nothing against the reader.
  const kind: BounceKind = type === 'not-spam' ? 'unknown' : 'complaint';
  return { ...base, kind, recipient, diagnostic: `feedback-type: ${type}` };
}

function fromDeliveryStatus(part: MimePart, base: BounceReport): BounceReport[] {
  const [, ...recipients] = fieldBlocks(textOf(part));
  const out: BounceReport[] = [];
  for (const r of recipients) {
    const action = (r.get('action') ?? '').toLowerCase().trim();
    if (action !== 'failed' && action !== 'delayed') continue;
    const recipient = addressIn(r.get('final-recipient')) ?? addressIn(r.get('original-recipient'));
    const diagnostic = (r.get('diagnostic-code') ?? '').replace(/^\s*smtp\s*;\s*/i, '').trim() || null;
    const code = ENHANCED.exec(r.get('status') ?? '')?.[0] ?? ENHANCED.exec(diagnostic ?? '')?.[0] ?? null;
    const kind: BounceKind = action === 'delayed' ? 'soft' : kindOfFailure(code, diagnostic ?? '');
    out.push({ ...base, kind, recipient, status: code, diagnostic });
  }
  return out;
}

const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mdaemon|mailerdaemon)@/i;
const BOUNCE_SUBJECT =
  /(undeliver|undelivered|delivery (status notification|failure|has failed|failed)|failure notice|returned mail|mail delivery (failed|system|subsystem)|could not be delivered|non[- ]?delivery|delivery problem|address not found|message not delivered|unzustellbar|non remis|échec de (la )?remise|no se puede entregar|impossibile recapitare)/i;

function looksLikeBounce(root: MimePart): boolean {
  const from = (header(root, 'from') ?? '').match(ADDRESS)?.[0] ?? '';
  const returnPath = header(root, 'return-path') ?? '';
  return (
    BOUNCE_SENDER.test(from) ||
    BOUNCE_SUBJECT.test(header(root, 'subject') ?? '') ||
    (/^<>$/.test(returnPath.trim()) && BOUNCE_SUBJECT.test(header(root, 'subject') ?? ''))
  );
}

/** A bounce written for people (no delivery-status part): the address and the code out of the text. */
function fromBounceText(root: MimePart, parts: MimePart[], base: BounceReport): BounceReport {
  const text = parts
    .filter((p) => p.type === 'text/plain' || (p === root && !p.type.startsWith('multipart/')))
    .filter(
      (p) =>
        !parts.some((q) => q.type === 'message/rfc822' && q.parts[0] && allParts(q.parts[0]).includes(p)),
    )
    .map(textOf)
    .join('\n');
  const ours = new Set(
    [header(root, 'from'), header(root, 'to'), header(root, 'reply-to')]
      .flatMap((h) => (h ?? '').match(ADDRESS) ?? [])
      .map((a) => a.toLowerCase()),
  );
  const failed = header(root, 'x-failed-recipients');
  const recipient =
    addressIn(failed) ??
    (text.match(ADDRESS) ?? [])
      .map((a) => a.toLowerCase())
      .find((a) => !ours.has(a) && !VERP.test(a) && !BOUNCE_SENDER.test(a)) ??
    null;
  const status = ENHANCED.exec(text)?.[0] ?? null;
  const line = diagnosticLine(text, status);
  return { ...base, kind: kindOfFailure(status, text), recipient, status, diagnostic: line };
}

function diagnosticLine(text: string, status: string | null): string | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const hit =
    (status ? lines.find((l) => l.includes(status)) : undefined) ??
    lines.find((l) => /\b[45]\d\d\b/.test(l) && /[a-z]{3}/i.test(l));
  return hit ? hit.slice(0, 300) : null;
}

const AUTO_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|absence|absent|réponse automatique|r[ée]ponse automatique|abwesenheit|automatische antwort|fuera de la oficina|respuesta autom[aá]tica|risposta automatica|fora do escrit[oó]rio|resposta autom[aá]tica|afwezig|automatisch antwoord|автоответ|автоматический ответ|自动回复|自動回覆|不在|otomatik yanıt)/i;

/** RFC 3834 Auto-Submitted, the X-Autoreply family, Precedence: auto_reply, or a typical subject. */
function isAutoReply(root: MimePart): boolean {
  const auto = (header(root, 'auto-submitted') ?? 'no').toLowerCase();
  if (auto !== 'no' && auto !== '') return true;
  if (header(root, 'x-autoreply') || header(root, 'x-autorespond') || header(root, 'x-autoresponder'))
    return true;
  if (/auto[_-]?reply/i.test(header(root, 'precedence') ?? '')) return true;
  if (
    (header(root, 'x-auto-response-suppress') ?? '') &&
    /^(auto|automatic)/i.test(header(root, 'subject') ?? '')
  )
    return true;
  const subject = (header(root, 'subject') ?? '').replace(/^\s*(re|aw|tr|fw|fwd)\s*:\s*/i, '');
  return AUTO_SUBJECT.test(subject);
}
