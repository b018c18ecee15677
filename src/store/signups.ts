import type { Selectable } from 'kysely';
import type { Db } from './audience.ts';
import { type ConfirmStatus, type ConsentsTable, now, type OptIn, type SignupsTable } from './schema.ts';

export type SignupRow = Selectable<SignupsTable>;
export type ConsentRow = Selectable<ConsentsTable>;

export interface NewSignup {
  email: string;
  emailNormalized: string;
  name: string | null;
  listIds: readonly number[];
  nonce: string;
  lang: string;
  form: string;
  consentText: string;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSignup(db: Db, s: NewSignup): Promise<number> {
  const at = now();
  const row = await db
    .insertInto('signups')
    .values({
      email: s.email,
      email_normalized: s.emailNormalized,
      name: s.name,
      list_ids: JSON.stringify(s.listIds),
      nonce: s.nonce,
      lang: s.lang,
      form: s.form,
      consent_text: s.consentText,
      ip: s.ip,
      user_agent: s.userAgent,
      confirm_message_id: null,
      confirm_sent_at: null,
      confirmed_at: null,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findSignup(db: Db, id: number): Promise<SignupRow | undefined> {
  return db.selectFrom('signups').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Signups for one address since `sinceIso` (the per-address limit: one confirmation an hour). */
export async function signupsForAddressSince(db: Db, normalized: string, sinceIso: string): Promise<number> {
  const r = await db
    .selectFrom('signups')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('email_normalized', '=', normalized)
    .where('created_at', '>=', sinceIso)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Signups from one client address since `sinceIso` (the per-IP limit). */
export async function signupsFromIpSince(db: Db, ip: string, sinceIso: string): Promise<number> {
  const r = await db
    .selectFrom('signups')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('ip', '=', ip)
    .where('created_at', '>=', sinceIso)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** queued → sending, for one worker only: the row it gets, or undefined when another has it or it is done. */
export async function claimConfirmation(db: Db, id: number): Promise<SignupRow | undefined> {
  const r = await db
    .updateTable('signups')
    .set({ confirm_status: 'sending', updated_at: now() })
    .where('id', '=', id)
    .where('confirm_status', '=', 'queued')
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) ? findSignup(db, id) : undefined;
}

export async function markConfirmation(
  db: Db,
  id: number,
  status: Exclude<ConfirmStatus, 'sending'>,
  messageId: string | null,
): Promise<void> {
  const at = now();
  await db
    .updateTable('signups')
    .set({
      confirm_status: status,
      confirm_message_id: messageId,
      ...(status === 'sent' ? { confirm_sent_at: at } : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .execute();
}

/** Single use: sets confirmed_at once; false when it was already set. */
export async function markConfirmed(db: Db, id: number): Promise<boolean> {
  const at = now();
  const r = await db
    .updateTable('signups')
    .set({ confirmed_at: at, updated_at: at })
    .where('id', '=', id)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Confirmations the queue may have lost: queued since before `beforeIso`, or claimed by a worker
 * that has not answered since (its process died): they go back in line.
 */
export async function confirmationsToQueue(db: Db, beforeIso: string, staleBeforeIso: string) {
  await db
    .updateTable('signups')
    .set({ confirm_status: 'queued', updated_at: now() })
    .where('confirm_status', '=', 'sending')
    .where('updated_at', '<', staleBeforeIso)
    .execute();
  return db
    .selectFrom('signups')
    .select('id')
    .where('confirm_status', '=', 'queued')
    .where('confirmed_at', 'is', null)
    .where('updated_at', '<', beforeIso)
    .orderBy('id')
    .limit(1000)
    .execute();
}

/** Deletes signups never confirmed, made before `beforeIso`; says how many. */
export async function deleteUnconfirmed(db: Db, beforeIso: string): Promise<number> {
  const r = await db
    .deleteFrom('signups')
    .where('confirmed_at', 'is', null)
    .where('created_at', '<', beforeIso)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function signupsOf(db: Db, normalized: string): Promise<SignupRow[]> {
  return db
    .selectFrom('signups')
    .selectAll()
    .where('email_normalized', '=', normalized)
    .orderBy('id')
    .execute();
}

export interface NewConsent {
  subscriberId: number;
  listIds: readonly number[];
  method: OptIn;
  form: string;
  text: string;
  ip: string | null;
  userAgent: string | null;
  askedAt: string;
}

export async function insertConsent(db: Db, c: NewConsent): Promise<void> {
  await db
    .insertInto('consents')
    .values({
      subscriber_id: c.subscriberId,
      list_ids: JSON.stringify(c.listIds),
      method: c.method,
      form: c.form,
      text: c.text,
      ip: c.ip,
      user_agent: c.userAgent,
      asked_at: c.askedAt,
      given_at: now(),
    })
    .execute();
}

export async function consentsOf(db: Db, subscriberId: number): Promise<ConsentRow[]> {
  return db
    .selectFrom('consents')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('id')
    .execute();
}
