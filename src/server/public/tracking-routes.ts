import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { verifyClick, verifyOpen } from '../../_shared/track-token.ts';
import { machineRequest } from '../../engagement/bots.ts';
import type { EngagementRecorder } from '../../engagement/recorder.ts';
import type { Db } from '../../store/audience.ts';
import { campaignExists, campaignLinks } from '../../store/engagement.ts';
import { page } from './page.ts';

export interface TrackingDeps {
  db: Db;
  secret: string;
  recorder: EngagementRecorder;
  lang: string;
}

/** Campaigns whose links are kept in memory: the redirect reads the database once per campaign. */
const KEPT_CAMPAIGNS = 256;
/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * `/r/TOKEN`: a tracked link, answered with a 302 to the link as it was in the sent numéro, and
 * nowhere else: the token names a campaign and the number of one of its links, and its MAC says we
 * minted it; the address itself comes from the campaign's own list of links, so no token can send
 * anyone to an address the numéro did not have. `/o/TOKEN.gif`: the open-tracking image.
 * Each records one entry in memory (src/engagement/recorder.ts); nothing waits for the database.
 */
export function trackingRoutes(d: TrackingDeps): Hono {
  const app = new Hono();
  const known = new Map<number, Promise<string[] | null>>();
  /** The campaign's links by number (index 0 unused), read once; null: no such campaign. */
  const linksOf = (campaignId: number): Promise<string[] | null> => {
    let hit = known.get(campaignId);
    if (!hit) {
      hit = campaignExists(d.db, campaignId).then(async (exists) => {
        if (!exists) return null;
        const urls: string[] = [];
        // As a Location header carries it: non-ASCII percent-encoded, the host in punycode.
        for (const r of await campaignLinks(d.db, campaignId)) urls[r.position] = new URL(r.url).href;
        return urls;
      });
      // Neither a database error nor an unknown campaign is remembered: the next request asks again.
      hit.then(
        (urls) => urls === null && known.delete(campaignId),
        () => known.delete(campaignId),
      );
      if (known.size >= KEPT_CAMPAIGNS) known.delete(known.keys().next().value as number);
      known.set(campaignId, hit);
    }
    return hit;
  };
  const invalid = (c: Context) =>
    c.html(
      page(
        d.lang,
        d.lang === 'fr' ? 'Lien invalide' : 'Invalid link',
        html`<p>${d.lang === 'fr' ? 'Ce lien n’est pas (ou plus) valide.' : 'This link is not valid.'}</p>`,
      ),
      404,
    );
  const common = (c: { header(name: string, value: string): void }) => {
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Robots-Tag', 'noindex, nofollow');
    c.header('Referrer-Policy', 'no-referrer');
  };

  app.get('/r/:token', async (c) => {
    common(c);
    const r = verifyClick(d.secret, c.req.param('token'));
    if (!r || r.position === null) return invalid(c);
    const urls = await linksOf(r.campaignId);
    const url = urls?.[r.position];
    if (!urls || !url) return invalid(c);
    d.recorder.click(
      { ...r, position: r.position },
      machineRequest(c.req.method, c.req.header('user-agent')),
      urls.length - 1,
    );
    return c.redirect(url, 302);
  });

  app.get('/o/:token', async (c) => {
    common(c);
    const r = verifyOpen(d.secret, c.req.param('token'));
    if (r && (await linksOf(r.campaignId)))
      d.recorder.open(r, machineRequest(c.req.method, c.req.header('user-agent')));
    // The image either way: a mail client shows nothing broken.
    return c.body(PIXEL, 200, { 'Content-Type': 'image/gif' });
  });
  return app;
}
