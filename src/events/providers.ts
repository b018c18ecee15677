import type { BounceKind, BounceReport } from './classify.ts';
import { judge } from './policy.ts';
import { normalStatus, replyCode } from './status-codes.ts';

/**
 * What a sending provider's webhook says, in the classifier's terms. The provider has already
 * read the DSN; a temporary verdict stays soft, and a permanent one goes through the failure policy
 * with the reply the provider passed on, so a refusal of the sender (a blocklist, DMARC, content)
 * stays the sender's whatever the provider called it.
 */

/** A provider's "permanent bounce": hard only when the policy reads the reply as the reader's. */
function permanent(
  diagnostic: string,
  status: string | null,
): Pick<BounceReport, 'kind' | 'reason' | 'fault'> {
  if (!diagnostic.trim()) return { kind: 'hard', reason: 'userunknown', fault: 'recipient' };
  const j = judge({
    status: status ?? normalStatus(diagnostic),
    reply: replyCode(diagnostic),
    text: diagnostic,
  });
  // Words the policy cannot place (a provider's own summary) leave the provider's verdict standing.
  if (j.reason === 'undefined') return { kind: 'hard', reason: 'userunknown', fault: 'recipient' };
  return { kind: j.kind, reason: j.reason, fault: j.fault };
}

const none = {
  status: null,
  diagnostic: null,
  campaign: null,
  subscriber: null,
  delivery: null,
  messageId: null,
};
const NUMERO_MESSAGE_ID = /numero\.c(\d+)\.d(\d+)/i;

interface SesMail {
  headers?: Array<{ name: string; value: string }>;
  commonHeaders?: { messageId?: string };
}

/** Our own headers, when SES was told to include them in notifications. */
function sesIds(mail: SesMail | undefined): Pick<BounceReport, 'campaign' | 'subscriber' | 'messageId'> {
  const h = new Map((mail?.headers ?? []).map((x) => [x.name.toLowerCase(), x.value]));
  const messageId = h.get('message-id') ?? mail?.commonHeaders?.messageId ?? null;
  const campaign = h.get('x-campaign-id') ?? NUMERO_MESSAGE_ID.exec(messageId ?? '')?.[1] ?? null;
  return { campaign, subscriber: h.get('x-subscriber-id') ?? null, messageId };
}

/** An SES notification (the SNS Message): Bounce, Complaint; anything else is news. */
export function sesReports(message: string): BounceReport[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return [{ ...none, kind: 'unknown', recipient: null }];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return [{ ...none, kind: 'unknown', recipient: null }];
  const n = parsed as Record<string, unknown>;
  const type = String(n.notificationType ?? n.eventType ?? '');
  const ids = sesIds(n.mail as SesMail | undefined);
  if (type === 'Bounce') {
    const b = (n.bounce ?? {}) as {
      bounceType?: string;
      bounceSubType?: string;
      bouncedRecipients?: Array<{ emailAddress?: string; status?: string; diagnosticCode?: string }>;
    };
    const sub = b.bounceSubType ?? '';
    const content = ['MessageTooLarge', 'ContentRejected', 'AttachmentRejected'].includes(sub);
    return (Array.isArray(b.bouncedRecipients) ? b.bouncedRecipients : [])
      .filter((r) => r && typeof r === 'object')
      .map((r) => {
        const status = r.status && /^[245]\.\d{1,3}\.\d{1,3}$/.test(r.status) ? r.status : null;
        const verdict: Pick<BounceReport, 'kind'> & Partial<BounceReport> = content
          ? { kind: 'policy', reason: 'contenterror', fault: 'message' }
          : b.bounceType === 'Permanent'
            ? sub === 'Suppressed' || sub === 'OnAccountSuppressionList'
              ? { kind: 'hard', reason: 'userunknown', fault: 'recipient' }
              : permanent(String(r.diagnosticCode ?? ''), status)
            : { kind: 'soft' };
        return {
          ...none,
          ...ids,
          ...verdict,
          recipient: typeof r.emailAddress === 'string' ? r.emailAddress.toLowerCase().slice(0, 320) : null,
          status,
          diagnostic: `SES ${b.bounceType}/${sub}${r.diagnosticCode ? `: ${String(r.diagnosticCode).slice(0, 300)}` : ''}`,
        };
      });
  }
  if (type === 'Complaint') {
    const c = (n.complaint ?? {}) as {
      complainedRecipients?: Array<{ emailAddress?: string }>;
      complaintFeedbackType?: string;
    };
    const kind: BounceKind = c.complaintFeedbackType === 'not-spam' ? 'unknown' : 'complaint';
    return (Array.isArray(c.complainedRecipients) ? c.complainedRecipients : [])
      .filter((r) => r && typeof r === 'object')
      .map((r) => ({
        ...none,
        ...ids,
        kind,
        recipient: r.emailAddress ? r.emailAddress.toLowerCase() : null,
        diagnostic: `SES complaint${c.complaintFeedbackType ? `: ${c.complaintFeedbackType}` : ''}`,
      }));
  }
  return [{ ...none, ...ids, kind: 'unknown', recipient: null, diagnostic: `SES ${type || 'notification'}` }];
}

const POSTMARK: Record<string, BounceKind> = {
  HardBounce: 'hard',
  BadEmailAddress: 'hard',
  SoftBounce: 'soft',
  Transient: 'soft',
  DnsError: 'soft',
  AutoResponder: 'autoreply',
  SpamComplaint: 'complaint',
  Blocked: 'policy',
  DMARCPolicy: 'policy',
  SpamNotification: 'policy',
  VirusNotification: 'policy',
};

/**
 * A Mailgun webhook's `event-data` (webhooks API v3): `failed` (severity permanent or temporary),
 * `complained`; anything else (delivered, opened, unsubscribed through Mailgun's own link…) is news.
 */
export function mailgunReports(data: Record<string, unknown>): BounceReport[] {
  const event = String(data.event ?? '');
  const recipient = typeof data.recipient === 'string' ? data.recipient.toLowerCase().slice(0, 320) : null;
  const message = (data.message ?? {}) as { headers?: Record<string, unknown> };
  const rawId = message.headers?.['message-id'];
  const messageId =
    typeof rawId === 'string' && rawId.length < 900 ? (rawId.startsWith('<') ? rawId : `<${rawId}>`) : null;
  const vars = (data['user-variables'] ?? {}) as Record<string, unknown>;
  const ids = {
    ...none,
    messageId,
    campaign:
      typeof vars.campaign === 'string'
        ? vars.campaign
        : (NUMERO_MESSAGE_ID.exec(messageId ?? '')?.[1] ?? null),
    subscriber: typeof vars.subscriber === 'string' ? vars.subscriber : null,
  };
  if (event === 'complained')
    return [{ ...ids, kind: 'complaint', recipient, diagnostic: 'Mailgun complaint' }];
  if (event !== 'failed')
    return [{ ...ids, kind: 'unknown', recipient, diagnostic: `Mailgun ${event || 'event'}` }];
  const ds = (data['delivery-status'] ?? {}) as Record<string, unknown>;
  const code = typeof ds.code === 'number' ? ds.code : null;
  const words = [ds.message, ds.description]
    .filter((x) => typeof x === 'string')
    .join(' ')
    .slice(0, 1000);
  const text = `${code ?? ''} ${words}`.trim();
  const status = normalStatus(String(ds['enhanced-code'] ?? '')) ?? normalStatus(words);
  const reason = String(data.reason ?? '');
  let verdict: Pick<BounceReport, 'kind'> & Partial<BounceReport>;
  if (data.severity === 'temporary') verdict = { kind: 'soft' };
  else if (reason === 'suppress-bounce')
    verdict = { kind: 'hard', reason: 'userunknown', fault: 'recipient' };
  else if (reason === 'old') verdict = { kind: 'soft', reason: 'expired', fault: 'transport' };
  else if (reason === 'espblock') verdict = { kind: 'policy', reason: 'blocked', fault: 'sender' };
  else verdict = permanent(text, status);
  return [
    {
      ...ids,
      ...verdict,
      recipient,
      status,
      diagnostic: `Mailgun ${data.severity ?? ''} ${reason}: ${text}`.slice(0, 400),
    },
  ];
}

/** A Postmark bounce or spam-complaint webhook. */
export function postmarkReports(body: Record<string, unknown>): BounceReport[] {
  const type = String(body.Type ?? body.RecordType ?? '');
  const email = typeof body.Email === 'string' ? body.Email.toLowerCase() : null;
  const meta = (body.Metadata ?? {}) as Record<string, unknown>;
  return [
    {
      ...none,
      // Own keys only: a Type of "__proto__" or "constructor" is not a kind.
      kind: Object.hasOwn(POSTMARK, type) ? (POSTMARK[type] as BounceKind) : 'unknown',
      recipient: email,
      diagnostic: `Postmark ${type}${typeof body.Details === 'string' ? `: ${body.Details.slice(0, 200)}` : ''}`,
      campaign: typeof meta.campaign === 'string' ? meta.campaign : null,
      subscriber: typeof meta.subscriber === 'string' ? meta.subscriber : null,
    },
  ];
}
