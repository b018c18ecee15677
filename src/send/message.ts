import { remembered } from '../_shared/remembered.ts';
import { listUnsubscribeHeaders, type UnsubscribeLinks } from '../audience/list-unsubscribe.ts';
import { asciiAddress, buildRaw, headerLines } from './mime.ts';
import type { EncodedContent } from './prepared.ts';

export interface MessageParts {
  messageId: string;
  /** A campaign id, or `test` for an editor's proof copy. */
  campaignId: string;
  subscriberId: string;
  listName: string;
  from: string;
  to: { name: string | null; address: string };
  content: EncodedContent;
  unsubscribe: UnsubscribeLinks;
  /** Domain for Message-ID and List-Id. */
  domain: string;
  /** The envelope sender: the signed VERP address bounces come back to (src/_shared/delivery-ids.ts). */
  returnPath: string;
  extraHeaders?: Record<string, string>;
}

/** A List-Id label (RFC 2919: dot-atom of letters, digits, hyphens) derived from any list name. */
export function listIdLabel(listName: string): string {
  return (
    listName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'list'
  );
}

/** The domain of a From header value (`Name <a@b.example>` → `b.example`), or null. */
export function mailDomainOf(from: string): string | null {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? null;
}

export interface OutgoingMessage {
  messageId: string;
  envelope: { from: string; to: string };
  raw: Buffer;
}

/** The headers every message of a campaign carries. */
function campaignHeaders(
  p: Pick<MessageParts, 'campaignId' | 'listName' | 'domain' | 'extraHeaders'>,
): string {
  const label = listIdLabel(p.listName);
  return headerLines({
    'List-Id': `<${label}.${p.domain}>`,
    // Gmail's feedback loop groups complaints by these fields: campaign, list, newsletter, sender.
    'Feedback-ID': `c${p.campaignId}:${label}:numero:${p.domain}`,
    'X-Campaign-Id': p.campaignId,
    ...p.extraHeaders,
  });
}
const campaignHeadersOnce = remembered((key: string) => {
  const [campaignId = '', listName = '', domain = ''] = key.split('\n');
  return campaignHeaders({ campaignId, listName, domain });
});

/**
 * One reader's message, as bytes ready for SMTP, with the envelope that carries it: real sends and
 * the preview's test sends alike, so an editor's proof carries what readers get.
 */
export function buildMessage(
  p: MessageParts,
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): OutgoingMessage {
  const { messageId } = p;
  return {
    messageId,
    envelope: {
      from: p.returnPath,
      to: asciiAddress(p.to.address),
    },
    raw: buildRaw(
      {
        from: p.from,
        to: p.to,
        subject: p.content.subject,
        messageId,
        date: new Date(),
        headers: { ...listUnsubscribeHeaders(p.unsubscribe), 'X-Subscriber-Id': p.subscriberId },
        shared: p.extraHeaders
          ? campaignHeaders(p)
          : campaignHeadersOnce(`${p.campaignId}\n${p.listName}\n${p.domain}`),
        text: p.content.text,
        html: p.content.html,
      },
      alloc,
    ),
  };
}
