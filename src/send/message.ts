import type { SendMailOptions } from 'nodemailer';
import { listUnsubscribeHeaders, type UnsubscribeLinks } from '../events/list-unsubscribe.ts';
import type { Personalized } from '../render/personalize.ts';

export interface MessageParts {
  campaignId: number;
  deliveryId: number;
  subscriberId: number;
  listName: string;
  from: string;
  to: { name: string | null; address: string };
  content: Personalized;
  unsubscribe: UnsubscribeLinks;
  /** Domain for Message-ID and List-Id. */
  domain: string;
  /** VERP return path domain: bounces come back to bounces+CAMPAIGN.SUBSCRIBER@bounceDomain. */
  bounceDomain: string;
}

/** Stable per delivery, so a resend after a crash carries the same Message-ID (receivers may dedupe). */
export function messageIdFor(campaignId: number, deliveryId: number, domain: string): string {
  return `<numero.c${campaignId}.d${deliveryId}@${domain}>`;
}

export function verpAddress(campaignId: number, subscriberId: number, bounceDomain: string): string {
  return `bounces+${campaignId}.${subscriberId}@${bounceDomain}`;
}

export function buildMessage(p: MessageParts): SendMailOptions {
  return {
    from: p.from,
    to: p.to.name ? { name: p.to.name, address: p.to.address } : p.to.address,
    subject: p.content.subject,
    html: p.content.html,
    text: p.content.text,
    messageId: messageIdFor(p.campaignId, p.deliveryId, p.domain),
    envelope: { from: verpAddress(p.campaignId, p.subscriberId, p.bounceDomain), to: p.to.address },
    headers: {
      ...listUnsubscribeHeaders(p.unsubscribe),
      'List-Id': `<${p.listName}.${p.domain}>`,
      'X-Campaign-Id': String(p.campaignId),
      'X-Subscriber-Id': String(p.subscriberId),
    },
  };
}
