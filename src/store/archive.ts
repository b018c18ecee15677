import type { Db } from './audience.ts';

/** A numéro as it went out: its latest campaign's compiled issue (JSON), fixed when it was created. */
export interface SentIssue {
  /** Its campaign (a list's welcome: minus the list's id), the key a rendered page is kept under. */
  campaignId: number;
  compiled: string;
}

/** States in which some readers may have the numéro: its web version is public from then on. */
const OUT = ['queued', 'sending', 'sent', 'paused'] as const;

/**
 * The numéro of `slug` as it was sent (its latest campaign in a state that reached readers), or a
 * list's welcome numéro of that name as it was set; undefined otherwise.
 */
export async function sentIssue(db: Db, slug: string): Promise<SentIssue | undefined> {
  const c = await db
    .selectFrom('campaigns')
    .select(['id', 'compiled'])
    .where('issue_slug', '=', slug)
    .where('state', 'in', OUT)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (c) return { campaignId: c.id, compiled: c.compiled };
  const w = await db
    .selectFrom('lists')
    .select(['id', 'welcome_compiled'])
    .where('welcome', '=', `${slug}.md`)
    .where('welcome_compiled', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (!w?.welcome_compiled) return undefined;
  return { campaignId: -w.id, compiled: w.welcome_compiled };
}

export interface ArchiveEntry {
  campaignId: number;
  slug: string;
  subject: string;
  date: string;
}

/**
 * Every numéro sent to a public list (sending, sent or paused: readers have it), newest first, once
 * per slug (its latest campaign). Without the compiled issues: the caller loads those it shows.
 */
export async function archiveEntries(db: Db): Promise<ArchiveEntry[]> {
  const rows = await db
    .selectFrom('campaigns as c')
    .innerJoin('lists as l', 'l.id', 'c.list_id')
    .select(['c.id', 'c.issue_slug', 'c.subject', 'c.created_at'])
    .where('l.public', '=', 1)
    .where('c.state', 'in', ['sending', 'sent', 'paused'])
    .orderBy('c.id', 'desc')
    .execute();
  const seen = new Set<string>();
  const out: ArchiveEntry[] = [];
  for (const r of rows) {
    if (seen.has(r.issue_slug)) continue;
    seen.add(r.issue_slug);
    out.push({ campaignId: r.id, slug: r.issue_slug, subject: r.subject, date: r.created_at });
  }
  return out;
}

export async function campaignCompiled(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom('campaigns').select('compiled').where('id', '=', id).executeTakeFirst())
    ?.compiled;
}
