import { type Claim, readMessageId, readReturnPath } from '../_shared/delivery-ids.ts';
import { findAddresses } from './addresses.ts';
import { fieldBlocks, header, type MimePart, textOf } from './mime.ts';

/**
 * Which delivery a report says it is about, as numero named it on the wire: the VERP return path
 * it came back to, the returned original's Message-ID. These are claims: src/events/attribution.ts
 * checks their MAC and the ledger before anything happens to anyone. Our own X-Campaign-Id and
 * X-Subscriber-Id headers are shown, never trusted.
 */
export interface Ids {
  campaign: string | null;
  subscriber: string | null;
  delivery: string | null;
  messageId: string | null;
  /** The best claim found: a signed one first (return path, then Message-ID), else a legacy one. */
  claim?: Claim | null;
  /** It reached numero at an address that is not a return path (the unsubscribe mailbox). */
  notAReturnPath?: boolean;
}

export function isVerp(address: string): boolean {
  return readReturnPath(address) !== null;
}

export function identify(root: MimePart, parts: MimePart[], recipients: readonly string[]): Ids {
  const claims: Claim[] = [];
  // Where it came back to: the SMTP envelope when the door knows it (then only that), else the
  // headers the delivering server wrote.
  const arrivedAt = recipients.length
    ? [...recipients]
    : ['delivered-to', 'x-original-to', 'envelope-to', 'to'].map((h) => header(root, h) ?? '');
  for (const a of arrivedAt)
    for (const f of findAddresses(a.slice(0, 2000), 10)) push(claims, readReturnPath(f.address));
  const notAReturnPath = recipients.length > 0 && !claims.length;
  const byId: Claim[] = [];
  let messageId: string | null = null;
  let shown: { campaign: string | null; subscriber: string | null } = { campaign: null, subscriber: null };
  for (const p of parts) {
    if (p === root || !p.headers.size) continue;
    const id = header(p, 'message-id');
    if (id && id.length < 1000 && /^<[^<>\s]+>$/.test(id)) {
      messageId ??= id;
      push(byId, readMessageId(id));
    }
    for (const f of findAddresses((header(p, 'return-path') ?? '').slice(0, 1000), 2))
      push(claims, readReturnPath(f.address));
    const campaign = header(p, 'x-campaign-id');
    if (!shown.campaign && campaign && /^\d{1,12}$/.test(campaign)) {
      const subscriber = header(p, 'x-subscriber-id');
      shown = { campaign, subscriber: subscriber && /^\d{1,12}$/.test(subscriber) ? subscriber : null };
    }
  }
  for (const p of parts) {
    if (p.type === 'message/delivery-status') {
      const x = /X-Original-Message-ID:\s*(<[^<>\s]{1,900}>)/i.exec(textOf(p).slice(0, 64 * 1024))?.[1];
      if (x) {
        messageId ??= x;
        push(byId, readMessageId(x));
      }
    }
    // ARF reports name the original envelope sender: the return path.
    if (p.type === 'message/feedback-report')
      for (const block of fieldBlocks(textOf(p).slice(0, 64 * 1024)))
        for (const f of findAddresses((block.get('original-mail-from') ?? '').slice(0, 500), 1))
          push(claims, readReturnPath(f.address));
  }
  // Signed before legacy; the return path before the Message-ID.
  const all = [...claims, ...byId];
  const claim = all.find((c) => 'signed' in c) ?? all[0] ?? null;
  const ids = claim ? ('signed' in claim ? claim.signed : claim.legacy) : null;
  return {
    campaign: ids ? String(ids.campaignId) : shown.campaign,
    subscriber:
      ids && 'subscriberId' in ids && ids.subscriberId ? String(ids.subscriberId) : shown.subscriber,
    delivery: ids && 'deliveryId' in ids && ids.deliveryId ? String(ids.deliveryId) : null,
    messageId,
    claim,
    notAReturnPath,
  };
}

function push(claims: Claim[], c: Claim | null): void {
  if (c) claims.push(c);
}
