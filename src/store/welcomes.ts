import type { Db } from './audience.ts';
import { type ConfirmStatus, now } from './schema.ts';

/** A list's welcome numéro as set (`lists set --welcome`): the file's name and its compiled issue. */
export async function listWelcome(db: Db, listId: number) {
  return db
    .selectFrom('lists')
    .select(['id', 'name', 'welcome', 'welcome_compiled'])
    .where('id', '=', listId)
    .executeTakeFirst();
}

export async function setListWelcome(
  db: Db,
  listId: number,
  welcome: { file: string; compiled: string } | null,
): Promise<void> {
  await db
    .updateTable('lists')
    .set({ welcome: welcome?.file ?? null, welcome_compiled: welcome?.compiled ?? null })
    .where('id', '=', listId)
    .execute();
}

/** Records that `subscriberId` is owed the list's welcome; false when it was already owed or sent (once ever). */
export async function queueWelcome(db: Db, listId: number, subscriberId: number): Promise<boolean> {
  const at = now();
  const r = await db
    .insertInto('welcomes')
    .values({
      list_id: listId,
      subscriber_id: subscriberId,
      status: 'queued',
      message_id: null,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.columns(['list_id', 'subscriber_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** queued → sending for one worker; false when another has it or it is done. */
export async function claimWelcome(db: Db, listId: number, subscriberId: number): Promise<boolean> {
  const r = await db
    .updateTable('welcomes')
    .set({ status: 'sending', updated_at: now() })
    .where('list_id', '=', listId)
    .where('subscriber_id', '=', subscriberId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markWelcome(
  db: Db,
  listId: number,
  subscriberId: number,
  status: Exclude<ConfirmStatus, 'sending'>,
  messageId: string | null,
): Promise<void> {
  await db
    .updateTable('welcomes')
    .set({ status, message_id: messageId, updated_at: now() })
    .where('list_id', '=', listId)
    .where('subscriber_id', '=', subscriberId)
    .execute();
}

/** Welcomes not on their way: queued before `beforeIso`, or claimed by a worker silent since `staleBeforeIso`. */
export async function welcomesToQueue(db: Db, beforeIso: string, staleBeforeIso: string) {
  await db
    .updateTable('welcomes')
    .set({ status: 'queued', updated_at: now() })
    .where('status', '=', 'sending')
    .where('updated_at', '<', staleBeforeIso)
    .execute();
  return db
    .selectFrom('welcomes')
    .select(['list_id', 'subscriber_id'])
    .where('status', '=', 'queued')
    .where('updated_at', '<', beforeIso)
    .limit(1000)
    .execute();
}
