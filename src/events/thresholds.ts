import { transition } from '../campaign/state.ts';
import type { Db } from '../store/audience.ts';

/**
 * Mailbox providers throttle, then block, a sender whose readers complain (Gmail and Yahoo ask for
 * under 0.3 %) or whose list is full of dead addresses. Past either line, over at least
 * MIN_SUBMITTED messages, the campaign pauses itself and says why; an operator resumes it.
 */
export const THRESHOLDS = { complaints: 0.003, hardBounces: 0.05, minSubmitted: 500 } as const;

export async function pauseOnBadSignals(db: Db, campaignId: number): Promise<string | null> {
  const submitted = Number(
    (
      await db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('campaign_id', '=', campaignId)
        .where('status', 'in', ['sent', 'bounced'])
        .executeTakeFirstOrThrow()
    ).n,
  );
  if (submitted < THRESHOLDS.minSubmitted) return null;
  const counts = await db
    .selectFrom('bounce_reports')
    .select(['kind', (eb) => eb.fn.count<string | number>('subscriber_id').distinct().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('kind', 'in', ['hard', 'complaint'])
    .where('subscriber_id', 'is not', null)
    .groupBy('kind')
    .execute();
  const n = (kind: string) => Number(counts.find((c) => c.kind === kind)?.n ?? 0);
  const pct = (x: number) => `${((x / submitted) * 100).toFixed(2)} %`;
  let reason: string | null = null;
  if (n('complaint') / submitted > THRESHOLDS.complaints)
    reason = `paused by numero: ${n('complaint')} complaints for ${submitted} messages submitted (${pct(n('complaint'))}, above 0.3 %); look at what readers are marking as spam, then resume`;
  else if (n('hard') / submitted > THRESHOLDS.hardBounces)
    reason = `paused by numero: ${n('hard')} hard bounces for ${submitted} messages submitted (${pct(n('hard'))}, above 5 %); the list needs cleaning, then resume`;
  if (!reason) return null;
  return (await transition(db, campaignId, 'paused', reason)) ? reason : null;
}
