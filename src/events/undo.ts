import { undoBounce } from '../audience/membership.ts';
import { bouncedByCampaign, subscribersByNormalized } from '../store/audience.ts';
import { campaignState } from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { reopenRefused } from '../store/deliveries.ts';

/**
 * `numero bounces undo`: a campaign marked readers bounced for a reply that was not theirs (a relay
 * that refused the sender, a blocklist worded like a dead address, a rule of an older numero).
 * Restores every reader whose bounce suppression that campaign caused, or only those of one reply
 * (`reply`: words of it; `code`: its status code), with an event that says so; a reader who left by
 * themselves, complained or was suppressed by an operator is never touched. When the campaign is
 * paused, their refused deliveries go back to pending, so resuming sends them the numéro.
 */
export interface UndoOptions {
  campaignId: number;
  reply?: string | undefined;
  code?: string | undefined;
  dryRun?: boolean;
  by: string;
}

export interface UndoOutcome {
  readers: Array<{ email: string; detail: string | null }>;
  listsReopened: number;
  deliveriesReopened: number;
}

export async function undoCampaignBounces(store: Store, o: UndoOptions): Promise<UndoOutcome> {
  const rows = (await bouncedByCampaign(store.db, o.campaignId)).filter((r) => matches(r.detail ?? '', o));
  const readers = rows.map((r) => ({ email: r.email_normalized, detail: r.detail }));
  if (o.dryRun) return { readers, listsReopened: 0, deliveriesReopened: 0 };
  let listsReopened = 0;
  const why = `${o.by}: bounces undo, campaign ${o.campaignId}${o.code ? ` code ${o.code}` : ''}${o.reply ? ` reply "${o.reply}"` : ''}`;
  for (const r of rows) listsReopened += (await undoBounce(store.db, r.email_normalized, why)) ?? 0;
  let deliveriesReopened = 0;
  if ((await campaignState(store.db, o.campaignId)) === 'paused') {
    const subs = await subscribersByNormalized(
      store.db,
      rows.map((r) => r.email_normalized),
    );
    deliveriesReopened = await reopenRefused(
      store.db,
      o.campaignId,
      subs.map((s) => s.id),
    );
  }
  return { readers, listsReopened, deliveriesReopened };
}

function matches(detail: string, o: UndoOptions): boolean {
  const d = detail.toLowerCase();
  if (o.code && !new RegExp(`(^|[^\\d.])${o.code.replace(/\./g, '\\.')}(?![\\d]|\\.\\d)`).test(d))
    return false;
  if (o.reply && !d.includes(o.reply.toLowerCase())) return false;
  return true;
}
