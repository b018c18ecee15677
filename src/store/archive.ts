import type { Db } from './audience.ts';

/** A numéro as it went out: its latest campaign's compiled issue (JSON), fixed when it was created. */
export interface SentIssue {
  campaignId: number;
  slug: string;
  subject: string;
  /** When the campaign was created (sending began then or at its schedule). */
  date: string;
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
    .select(['id', 'issue_slug', 'subject', 'created_at', 'compiled'])
    .where('issue_slug', '=', slug)
    .where('state', 'in', OUT)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (c) return { campaignId: c.id, slug, subject: c.subject, date: c.created_at, compiled: c.compiled };
  const w = await db
    .selectFrom('lists')
    .select(['id', 'welcome_compiled', 'created_at'])
    .where('welcome', '=', `${slug}.md`)
    .where('welcome_compiled', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (!w?.welcome_compiled) return undefined;
  const compiled = JSON.parse(w.welcome_compiled) as { subject?: string };
  return {
    campaignId: -w.id,
    slug,
    subject: compiled.subject ?? slug,
    date: w.created_at,
    compiled: w.welcome_compiled,
  };
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
