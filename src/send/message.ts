import { listUnsubscribeHeaders, type UnsubscribeLinks } from '../audience/list-unsubscribe.ts';
import type { Personalized } from '../render/personalize.ts';
import { asciiAddress, buildRaw } from './mime.ts';

export interface MessageParts {
  messageId: string;
  /** A campaign id, or `test` for an editor's proof copy. */
  campaignId: string;
  subscriberId: string;
  listName: string;
  from: string;
  to: { name: string | null; address: string };
  content: Personalized;
  unsubscribe: UnsubscribeLinks;
  /** Domain for Message-ID and List-Id. */
  domain: string;
  /** VERP return path domain: bounces come back to bounces+CAMPAIGN.SUBSCRIBER@bounceDomain. */
  bounceDomain: string;
  extraHeaders?: Record<string, string>;
}

/** Stable per delivery, so a resend after a crash carries the same Message-ID (receivers may dedupe). */
export function messageIdFor(campaignId: number, deliveryId: number, domain: string): string {
  return `<numero.c${campaignId}.d${deliveryId}@${domain}>`;
}

/** The domain of a From header value (`Name <a@b.example>` → `b.example`), or null. */
export function mailDomainOf(from: string): string | null {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? null;
}

export function verpAddress(campaignId: string, subscriberId: string, bounceDomain: string): string {
  return `bounces+${campaignId}.${subscriberId}@${bounceDomain}`;
}

export interface OutgoingMessage {
  messageId: string;
  envelope: { from: string; to: string };
  raw: Buffer;
}

/**
 * One reader's message, as bytes ready for SMTP, with the envelope that carries it: real sends and
 * the preview's test sends alike, so an editor's proof carries what readers get.
 */
export function buildMessage(p: MessageParts): OutgoingMessage {
  const { messageId } = p;
  return {
    messageId,
    envelope: {
      from: verpAddress(p.campaignId, p.subscriberId, p.bounceDomain),
      to: asciiAddress(p.to.address),
    },
    raw: buildRaw({
      from: p.from,
      to: p.to,
      subject: p.content.subject,
      messageId,
      date: new Date(),
      headers: {
        ...listUnsubscribeHeaders(p.unsubscribe),
        'List-Id': `<${p.listName}.${p.domain}>`,
        'X-Campaign-Id': p.campaignId,
        'X-Subscriber-Id': p.subscriberId,
        ...p.extraHeaders,
      },
      text: p.content.text,
      html: p.content.html,
    }),
  };
}
