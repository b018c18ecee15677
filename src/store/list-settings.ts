import type { Db } from './audience.ts';
import type { OptIn } from './schema.ts';

/** What a list offers readers who join it (migration 008). */
export interface ListSettings {
  id: number;
  name: string;
  lang: string;
  public: boolean;
  optin: OptIn;
  welcome: string | null;
  /** '' or a comma list of clicks | clicks-per-reader, opens (migration 009). */
  tracking: string;
}

const COLUMNS = ['id', 'name', 'lang', 'public', 'optin', 'welcome', 'tracking'] as const;

const settings = (r: {
  id: number;
  name: string;
  lang: string;
  public: number;
  optin: OptIn;
  welcome: string | null;
  tracking: string;
}): ListSettings => ({ ...r, public: r.public === 1 });

export async function allListSettings(db: Db): Promise<ListSettings[]> {
  return (await db.selectFrom('lists').select(COLUMNS).orderBy('name').execute()).map(settings);
}

/** The lists a signup form may offer, by name. */
export async function publicLists(db: Db): Promise<ListSettings[]> {
  return (await db.selectFrom('lists').select(COLUMNS).where('public', '=', 1).orderBy('name').execute()).map(
    settings,
  );
}

export async function listSettingsById(db: Db, ids: readonly number[]): Promise<ListSettings[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('lists').select(COLUMNS).where('id', 'in', ids).orderBy('name').execute()).map(
    settings,
  );
}

export async function updateListSettings(
  db: Db,
  id: number,
  change: Partial<Pick<ListSettings, 'public' | 'optin' | 'tracking'>>,
): Promise<void> {
  const set: { public?: number; optin?: OptIn; tracking?: string } = {};
  if (change.public !== undefined) set.public = change.public ? 1 : 0;
  if (change.optin !== undefined) set.optin = change.optin;
  if (change.tracking !== undefined) set.tracking = change.tracking;
  if (Object.keys(set).length) await db.updateTable('lists').set(set).where('id', '=', id).execute();
}
