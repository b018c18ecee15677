import { type Db, forgottenKey, insertEvents } from '../store/audience.ts';
import { detachEngagement } from '../store/engagement.ts';
import { now } from '../store/schema.ts';
import { inTransaction } from './membership.ts';

/**
 * A reader's erasure request (GDPR art. 17): `numero subscribers forget EMAIL`. Everything that
 * names them goes: their address, name and attributes, their memberships, signups, consents and
 * welcomes, the relay's answers and the reports that came back about them (with the raw messages
 * those came in). What stays has no name in it: the delivery rows and events of their history,
 * under an anonymous reader (so a campaign's counts still add up), and a suppression kept as a hash
 * of the address, so no import, form or hand ever mails them again.
 */
export interface ForgetSummary {
  /** Whether a reader with this address existed. */
  reader: boolean;
  memberships: number;
  deliveries: number;
  events: number;
  reports: number;
  signups: number;
  consents: number;
  /** Messages whose clicks and opens were tied to them (tracking clicks-per-reader), now cut loose. */
  tracked: number;
  suppression: 'hashed' | 'already hashed';
}

export async function forgetReader(db: Db, normalized: string): Promise<ForgetSummary> {
  return inTransaction(db, async (trx) => {
    const key = forgottenKey(normalized);
    const s = await trx
      .selectFrom('subscribers')
      .select('id')
      .where('email_normalized', '=', normalized)
      .executeTakeFirst();
    const summary: ForgetSummary = {
      reader: s !== undefined,
      memberships: 0,
      deliveries: 0,
      events: 0,
      reports: 0,
      signups: 0,
      consents: 0,
      tracked: 0,
      suppression: 'hashed',
    };
    summary.signups = Number(
      (await trx.deleteFrom('signups').where('email_normalized', '=', normalized).executeTakeFirst())
        .numDeletedRows,
    );
    if (s) {
      const id = s.id;
      summary.memberships = Number(
        (await trx.deleteFrom('memberships').where('subscriber_id', '=', id).executeTakeFirst())
          .numDeletedRows,
      );
      summary.consents = Number(
        (await trx.deleteFrom('consents').where('subscriber_id', '=', id).executeTakeFirst()).numDeletedRows,
      );
      await trx.deleteFrom('welcomes').where('subscriber_id', '=', id).execute();
      // Their clicks and opens stay counted, under keys that name no one.
      summary.tracked = await detachEngagement(trx, { subscriberId: id }, true);
      // The relay's answers may quote the address; the reports and their raw messages do.
      summary.deliveries = Number(
        (
          await trx
            .updateTable('deliveries')
            .set({ smtp_response: null })
            .where('subscriber_id', '=', id)
            .executeTakeFirst()
        ).numUpdatedRows,
      );
      const reports = await trx
        .selectFrom('bounce_reports')
        .select(['id', 'inbound_id'])
        .where('subscriber_id', '=', id)
        .execute();
      summary.reports = reports.length;
      if (reports.length) {
        await trx
          .updateTable('bounce_reports')
          .set({ recipient: null, diagnostic: null })
          .where('subscriber_id', '=', id)
          .execute();
        await trx
          .updateTable('inbound_messages')
          .set({ raw: null, headers: '', summary: '[]' })
          .where(
            'id',
            'in',
            reports.map((r) => r.inbound_id),
          )
          .execute();
      }
      // Events keep the history (what, when, which list) but not a reason that quotes an address.
      summary.events = Number(
        (
          await trx
            .selectFrom('events')
            .select((eb) => eb.fn.countAll<string | number>().as('n'))
            .where('subscriber_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
      await trx
        .updateTable('events')
        .set({ reason: null })
        .where('subscriber_id', '=', id)
        .where('reason', 'like', '%@%')
        .execute();
      // The row stays, anonymous, under a key no address can equal: its history keeps its counts.
      await trx
        .updateTable('subscribers')
        .set({
          email: 'forgotten',
          email_normalized: `forgotten#${id}`,
          name: null,
          attributes: '{}',
          updated_at: now(),
        })
        .where('id', '=', id)
        .execute();
      await insertEvents(trx, [
        { type: 'suppressed', list_id: null, subscriber_id: id, reason: 'forgotten on request' },
      ]);
    }
    const plain = await trx
      .selectFrom('suppressions')
      .select('reason')
      .where('email_normalized', '=', normalized)
      .executeTakeFirst();
    await trx.deleteFrom('suppressions').where('email_normalized', '=', normalized).execute();
    const hashed = await trx
      .selectFrom('suppressions')
      .select('reason')
      .where('email_normalized', '=', key)
      .executeTakeFirst();
    if (hashed) summary.suppression = 'already hashed';
    else
      await trx
        .insertInto('suppressions')
        .values({
          email_normalized: key,
          reason: 'forgotten',
          detail: plain ? `was ${plain.reason}` : null,
          source: 'cli',
          campaign_id: null,
          created_at: now(),
        })
        .execute();
    return summary;
  });
}
