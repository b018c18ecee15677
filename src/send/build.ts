import { deliveryMac, mintMessageId, mintReturnPath } from '../_shared/delivery-ids.ts';
import { messageTrackingKey } from '../_shared/track-token.ts';
import { unsubscribeLinks } from '../audience/list-unsubscribe.ts';
import { nameParts } from '../audience/names.ts';
import { isTracked } from '../audience/tracking.ts';
import type { ReaderLinks } from '../render/personalize.ts';
import { webVersionUrl } from '../render/sample-readers.ts';
import type { DeliveryToSend } from '../store/deliveries.ts';
import type { CampaignContext } from './context.ts';
import type { SendDeps } from './deps.ts';
import { buildMessage, type OutgoingMessage } from './message.ts';
import { rawBuffer } from './raw-buffers.ts';

/** Step 3: one reader's message, personalised from the compiled issue and built to bytes. */
export function personaliseAndBuild(
  deps: SendDeps,
  ctx: CampaignContext,
  d: DeliveryToSend,
): OutgoingMessage {
  const { settings } = deps;
  const { unsubscribe: links, reader } = readerLinks(settings, ctx.row, d.subscriber_id);
  const attributes = JSON.parse(d.attributes) as Record<string, unknown>;
  const content = ctx.issue.fill(
    { email: d.email, ...nameParts(d.name, attributes), attributes },
    {
      ...reader,
      ...(isTracked(ctx.tracking)
        ? {
            tracking: messageTrackingKey(
              settings.secret,
              ctx.row.id,
              ctx.tracking.clicks === 'per-reader' ? d.id : null,
            ),
          }
        : {}),
    },
  );
  // Stable per delivery (a resend after a crash carries the same Message-ID), unique across
  // installations and database resets (the campaign's random key is in the MAC), unforgeable.
  const mac = deliveryMac(settings.secret, ctx.row.id, d.id, ctx.row.message_key);
  return buildMessage(
    {
      messageId: mintMessageId(ctx.row.id, d.id, mac, settings.messageDomain),
      returnPath: mintReturnPath(ctx.row.id, d.id, mac, settings.bounceDomain),
      campaignId: String(ctx.row.id),
      subscriberId: String(d.subscriber_id),
      listName: ctx.listName,
      from: deps.newsletter.from,
      to: { name: d.name, address: d.email },
      content,
      unsubscribe: links,
      domain: settings.messageDomain,
    },
    rawBuffer,
  );
}

/** A reader's own links in a campaign's message: unsubscribe (and its headers), preferences, web version. */
export function readerLinks(
  settings: Pick<SendDeps['settings'], 'secret' | 'publicUrl' | 'mailtoDomain'>,
  row: { id: number; list_id: number; issue_slug: string },
  subscriberId: number,
): { unsubscribe: ReturnType<typeof unsubscribeLinks>; reader: ReaderLinks } {
  const unsubscribe = unsubscribeLinks(
    { listId: row.list_id, subscriberId, campaignId: String(row.id) },
    { secret: settings.secret, publicUrl: settings.publicUrl, mailtoDomain: settings.mailtoDomain },
  );
  return {
    unsubscribe,
    reader: {
      unsubscribeUrl: unsubscribe.url,
      browserUrl: webVersionUrl(settings.publicUrl, row.issue_slug),
      preferencesUrl: `${settings.publicUrl}/preferences/${unsubscribe.token}`,
    },
  };
}
