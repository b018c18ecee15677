import { deliveryMac, mintMessageId, mintReturnPath } from '../_shared/delivery-ids.ts';
import { unsubscribeLinks } from '../audience/list-unsubscribe.ts';
import { nameParts } from '../audience/names.ts';
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
  const links = unsubscribeLinks(
    { listId: ctx.row.list_id, subscriberId: d.subscriber_id, campaignId: String(ctx.row.id) },
    { secret: settings.secret, publicUrl: settings.publicUrl, mailtoDomain: settings.mailtoDomain },
  );
  const attributes = JSON.parse(d.attributes) as Record<string, unknown>;
  const content = ctx.issue.fill(
    { email: d.email, ...nameParts(d.name, attributes), attributes },
    {
      unsubscribeUrl: links.url,
      browserUrl: webVersionUrl(settings.publicUrl, ctx.row.issue_slug),
      preferencesUrl: `${settings.publicUrl}/preferences/${links.token}`,
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
