import type { BounceKind, BounceReport } from './classify.ts';

/**
 * What a sending provider's webhook says, in the classifier's terms. The provider has already
 * read the DSN; its verdict is mapped, never second-guessed, except that the sender's problems
 * (content, size, blocks) stay policy.
 */

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
  let n: Record<string, unknown>;
  try {
    n = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return [{ ...none, kind: 'unknown', recipient: null }];
  }
  const type = String(n.notificationType ?? n.eventType ?? '');
  const ids = sesIds(n.mail as SesMail | undefined);
  if (type === 'Bounce') {
    const b = (n.bounce ?? {}) as {
      bounceType?: string;
      bounceSubType?: string;
      bouncedRecipients?: Array<{ emailAddress?: string; status?: string; diagnosticCode?: string }>;
    };
    const sub = b.bounceSubType ?? '';
    const kind: BounceKind =
      b.bounceType === 'Permanent'
        ? 'hard'
        : ['MessageTooLarge', 'ContentRejected', 'AttachmentRejected'].includes(sub)
          ? 'policy'
          : 'soft';
    return (b.bouncedRecipients ?? []).map((r) => ({
      ...none,
      ...ids,
      kind,
      recipient: r.emailAddress ? r.emailAddress.toLowerCase() : null,
      status: r.status && /^[245]\.\d{1,3}\.\d{1,3}$/.test(r.status) ? r.status : null,
      diagnostic: `SES ${b.bounceType}/${sub}${r.diagnosticCode ? `: ${r.diagnosticCode}` : ''}`,
    }));
  }
  if (type === 'Complaint') {
    const c = (n.complaint ?? {}) as {
      complainedRecipients?: Array<{ emailAddress?: string }>;
      complaintFeedbackType?: string;
    };
    const kind: BounceKind = c.complaintFeedbackType === 'not-spam' ? 'unknown' : 'complaint';
    return (c.complainedRecipients ?? []).map((r) => ({
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

/** A Postmark bounce or spam-complaint webhook. */
export function postmarkReports(body: Record<string, unknown>): BounceReport[] {
  const type = String(body.Type ?? body.RecordType ?? '');
  const email = typeof body.Email === 'string' ? body.Email.toLowerCase() : null;
  const meta = (body.Metadata ?? {}) as Record<string, unknown>;
  return [
    {
      ...none,
      kind: POSTMARK[type] ?? 'unknown',
      recipient: email,
      diagnostic: `Postmark ${type}${typeof body.Details === 'string' ? `: ${body.Details.slice(0, 200)}` : ''}`,
      campaign: typeof meta.campaign === 'string' ? meta.campaign : null,
      subscriber: typeof meta.subscriber === 'string' ? meta.subscriber : null,
    },
  ];
}
