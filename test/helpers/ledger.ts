import { deliveryMac, mintMessageId, mintReturnPath } from '../../src/_shared/delivery-ids.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import type { Store } from '../../src/store/db.ts';
import { insertDeliveries } from '../../src/store/deliveries.ts';

export const LEDGER_SECRET = 'l'.repeat(40);

export interface SentDelivery {
  subscriberId: number;
  deliveryId: number;
  messageId: string;
  returnPath: string;
}

/**
 * A campaign recorded as sent to these subscribers, with the signed Message-IDs and return paths the
 * worker would have minted (the same functions): what genuine reports name, without a send.
 */
export async function sentCampaign(
  store: Store,
  o: {
    listId: number;
    subscriberIds: readonly number[];
    secret?: string;
    bounceDomain?: string;
    state?: 'sent' | 'sending';
  },
): Promise<{ campaignId: number; deliveries: SentDelivery[] }> {
  const key = 'c0ffee123456';
  const campaignId = await insertCampaign(store.db, {
    issue_file: 'issues/x.md',
    issue_slug: `n${Date.now()}`,
    content_hash: 'h',
    list_id: o.listId,
    subject: 'Numéro',
    state: o.state ?? 'sent',
    compiled: '{}',
    batch_size: 100,
    provider: 'default',
    scheduled_at: null,
    message_key: key,
    signed_ids: 1,
  });
  await insertDeliveries(
    store.db,
    o.subscriberIds.map((s) => ({ campaign_id: campaignId, subscriber_id: s, batch_no: 0 })),
  );
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['id', 'subscriber_id'])
    .where('campaign_id', '=', campaignId)
    .execute();
  const deliveries: SentDelivery[] = [];
  for (const r of rows) {
    const mac = deliveryMac(o.secret ?? LEDGER_SECRET, campaignId, r.id, key);
    const messageId = mintMessageId(campaignId, r.id, mac, 'lettre.example.org');
    await store.db
      .updateTable('deliveries')
      .set({ status: 'sent', message_id: messageId, sent_at: new Date().toISOString() })
      .where('id', '=', r.id)
      .execute();
    deliveries.push({
      subscriberId: r.subscriber_id,
      deliveryId: r.id,
      messageId,
      returnPath: mintReturnPath(campaignId, r.id, mac, o.bounceDomain ?? 'bounce.example'),
    });
  }
  return { campaignId, deliveries };
}
