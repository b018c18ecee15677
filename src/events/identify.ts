import { header, type MimePart, textOf } from './mime.ts';

/**
 * Which campaign, reader and delivery a report is about, as numero wrote them in what it sent: the
 * VERP return path (bounces+CAMPAIGN.SUBSCRIBER@), our own X-Campaign-Id / X-Subscriber-Id headers
 * and the Message-ID of the returned original. These are claims: the pipeline checks them against
 * the ledger before anything happens to anyone.
 */
export interface Ids {
  campaign: string | null;
  subscriber: string | null;
  delivery: string | null;
  messageId: string | null;
}

const VERP = /\bbounces\+(\d{1,12})\.(\d{1,12})@/i;
const NUMERO_MESSAGE_ID = /numero\.c(\d{1,12})\.d(\d{1,12})/i;

export function isVerp(address: string): boolean {
  return VERP.test(address);
}

export function identify(root: MimePart, parts: MimePart[], recipients: readonly string[]): Ids {
  return { ...who(root, parts, recipients), messageId: originalMessageId(root, parts) };
}

function who(root: MimePart, parts: MimePart[], recipients: readonly string[]): Omit<Ids, 'messageId'> {
  const candidates = [
    ...recipients,
    ...['delivered-to', 'x-original-to', 'envelope-to', 'to'].map((h) => header(root, h) ?? ''),
  ];
  for (const c of candidates) {
    const m = VERP.exec(c.slice(0, 1000));
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
  }
  // The original (message/rfc822 or text/rfc822-headers): its Return-Path or our own headers.
  for (const p of parts) {
    if (p === root) continue;
    const campaign = header(p, 'x-campaign-id');
    const subscriber = header(p, 'x-subscriber-id');
    if (campaign && /^\d{1,12}$/.test(campaign))
      return {
        campaign,
        subscriber: subscriber && /^\d{1,12}$/.test(subscriber) ? subscriber : null,
        delivery: null,
      };
    const m = VERP.exec((header(p, 'return-path') ?? '').slice(0, 1000));
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
    const id = NUMERO_MESSAGE_ID.exec((header(p, 'message-id') ?? '').slice(0, 1000));
    if (id) return { campaign: id[1] ?? null, subscriber: null, delivery: id[2] ?? null };
  }
  // ARF reports name the original envelope sender, which is the VERP address.
  for (const p of parts) {
    if (p.type !== 'message/feedback-report') continue;
    const m = VERP.exec(textOf(p).slice(0, 64 * 1024));
    if (m) return { campaign: m[1] ?? null, subscriber: m[2] ?? null, delivery: null };
  }
  return { campaign: null, subscriber: null, delivery: null };
}

/** The Message-ID of the message that came back (the first embedded message or header block that has one). */
function originalMessageId(root: MimePart, parts: MimePart[]): string | null {
  for (const p of parts) {
    if (p === root || !p.headers.size) continue;
    const id = header(p, 'message-id');
    if (id && id.length < 1000 && /^<[^<>\s]+>$/.test(id)) return id;
  }
  const xid = parts
    .filter((p) => p.type === 'message/delivery-status')
    .map((p) => /X-Original-Message-ID:\s*(<[^<>\s]{1,900}>)/i.exec(textOf(p).slice(0, 64 * 1024))?.[1])
    .find(Boolean);
  return xid ?? null;
}
