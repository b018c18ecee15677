import { Feed } from 'feed';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { CompiledIssue } from '../../render/compile.ts';
import { Personalizer } from '../../render/personalize.ts';
import { webVersionUrl } from '../../render/sample-readers.ts';
import { type ArchiveEntry, archiveEntries, campaignCompiled, sentIssue } from '../../store/archive.ts';
import type { Db } from '../../store/audience.ts';
import { page } from './page.ts';

export interface ArchiveDeps {
  db: Db;
  publicUrl: string;
  newsletterName: string;
  lang: string;
}

/** Numéros in the feeds: the latest ones, each with its whole HTML. */
const FEED_ITEMS = 20;
/** Web versions kept rendered in memory (about 40 KB each). */
const KEPT_PAGES = 40;

interface Shown {
  subject: string;
  preheader: string;
  html: string;
}

/**
 * The numéros as they were sent, for everyone: the web version (`/issues/SLUG`: the compiled issue
 * stored with its latest campaign, personalised for nobody, so an edit of the file after sending
 * changes nothing here, and the renderer is never loaded), the archive (`/archive`: every numéro
 * sent to a public list) and its feeds (`/feed.xml`, Atom; `/feed.json`, JSON Feed 1.1).
 */
export function archiveRoutes(d: ArchiveDeps): Hono {
  const app = new Hono();
  const base = d.publicUrl.replace(/\/+$/, '');
  const pages = new Map<number, Shown>();
  const teasers = new Map<number, string>();

  const show = (campaignId: number, slug: string, compiled: string): Shown => {
    const hit = pages.get(campaignId);
    if (hit) return hit;
    const issue = JSON.parse(compiled) as CompiledIssue;
    const out = new Personalizer(issue).fill(
      { email: '' },
      { unsubscribeUrl: `${base}/unsubscribe`, browserUrl: webVersionUrl(base, slug) },
    );
    const shown = { subject: out.subject, preheader: issue.preheader, html: out.html };
    if (pages.size >= KEPT_PAGES) pages.delete(pages.keys().next().value as number);
    pages.set(campaignId, shown);
    teasers.set(campaignId, issue.preheader);
    return shown;
  };
  const teaser = async (e: ArchiveEntry): Promise<string> => {
    const known = teasers.get(e.campaignId);
    if (known !== undefined) return known;
    const compiled = await campaignCompiled(d.db, e.campaignId);
    const t = compiled ? (JSON.parse(compiled) as CompiledIssue).preheader : '';
    teasers.set(e.campaignId, t);
    return t;
  };
  const item = async (e: ArchiveEntry) => {
    const hit = pages.get(e.campaignId);
    if (hit) return hit;
    const compiled = await campaignCompiled(d.db, e.campaignId);
    return compiled ? show(e.campaignId, e.slug, compiled) : null;
  };
  /** Each page's body, built again only when the list of numéros changed (a new send, a new subject). */
  const built = new Map<string, { key: string; body: string }>();
  const once = async (name: string, entries: ArchiveEntry[], build: () => Promise<string>) => {
    const key = entries.map((e) => `${e.campaignId}:${e.subject}`).join('|');
    const hit = built.get(name);
    if (hit?.key === key) return hit.body;
    const body = await build();
    built.set(name, { key, body });
    return body;
  };

  app.get('/issues/:slug', async (c) => {
    const slug = c.req.param('slug');
    const sent = await sentIssue(d.db, slug);
    if (!sent) return c.text('Not found', 404);
    return c.html(show(sent.campaignId, slug, sent.compiled).html, 200, {
      'Cache-Control': 'public, max-age=300',
    });
  });

  app.get('/archive', async (c) => {
    const entries = await archiveEntries(d.db);
    const body = await once('archive', entries, async () => {
      const rows = [];
      for (const e of entries) {
        rows.push(html`<li><a href="${webVersionUrl(base, e.slug)}">${e.subject}</a>
<time datetime="${e.date}">${e.date.slice(0, 10)}</time><br><small>${await teaser(e)}</small></li>`);
      }
      return String(
        await page(
          d.lang,
          d.newsletterName,
          html`<p><a href="${base}/feed.xml">Atom</a> · <a href="${base}/feed.json">JSON Feed</a> · <a href="${base}/subscribe">${d.lang.startsWith('en') ? 'Subscribe' : 'S’abonner'}</a></p>
<ul>${rows}</ul>`,
        ),
      );
    });
    return c.html(body, 200, { 'Cache-Control': 'public, max-age=60' });
  });

  const latestEntries = async () => (await archiveEntries(d.db)).slice(0, FEED_ITEMS);
  const latest = async (entries: ArchiveEntry[]) => {
    const items: Array<{ e: ArchiveEntry; s: Shown }> = [];
    for (const e of entries) {
      const s = await item(e);
      if (s) items.push({ e, s });
    }
    return items;
  };

  app.get('/feed.xml', async (c) => {
    const entries = await latestEntries();
    const body = await once('atom', entries, async () => atom(await latest(entries)));
    return c.body(body, 200, {
      'Content-Type': 'application/atom+xml; charset=utf-8',
      'Cache-Control': 'public, max-age=60',
    });
  });

  const atom = (items: Array<{ e: ArchiveEntry; s: Shown }>) => {
    const feed = new Feed({
      id: `${base}/archive`,
      title: d.newsletterName,
      link: `${base}/archive`,
      language: d.lang,
      updated: new Date(items[0]?.e.date ?? 0),
      feedLinks: { atom: `${base}/feed.xml`, json: `${base}/feed.json` },
      generator: 'numero',
    });
    for (const { e, s } of items)
      feed.addItem({
        id: webVersionUrl(base, e.slug),
        title: s.subject,
        link: webVersionUrl(base, e.slug),
        date: new Date(e.date),
        description: s.preheader,
        content: s.html,
      });
    return feed.atom1();
  };

  app.get('/feed.json', async (c) => {
    const entries = await latestEntries();
    const body = await once('json', entries, async () => jsonFeed(await latest(entries)));
    return c.body(body, 200, {
      'Content-Type': 'application/feed+json; charset=utf-8',
      'Cache-Control': 'public, max-age=60',
    });
  });

  const jsonFeed = (items: Array<{ e: ArchiveEntry; s: Shown }>) =>
    JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: d.newsletterName,
      home_page_url: `${base}/archive`,
      feed_url: `${base}/feed.json`,
      language: d.lang,
      items: items.map(({ e, s }) => ({
        id: webVersionUrl(base, e.slug),
        url: webVersionUrl(base, e.slug),
        title: s.subject,
        summary: s.preheader,
        content_html: s.html,
        date_published: new Date(e.date).toISOString(),
      })),
    });

  return app;
}
