import fs from 'node:fs';
import { Hono } from 'hono';
import { Personalizer } from '../render/personalize.ts';
import { hasErrors, prepareIssue } from '../render/prepare.ts';
import { webVersionUrl } from '../render/sample-readers.ts';
import { issueAsset, issueFileForSlug, tryLoadContext, type Workspace } from './workspace.ts';

/**
 * The public web version of an issue, where `{{browserUrl}}` points: rendered for nobody in
 * particular (no name, no address, no personal unsubscribe link), plus the files next to the issues.
 * With `published`, only the issues it accepts are served (the public server: those sent).
 */
export function webVersionRoutes(ws: Workspace, published?: (slug: string) => Promise<boolean>): Hono {
  const app = new Hono();

  app.get('/issues/files/*', (c) => {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path.slice('/issues/files/'.length));
    } catch {
      return c.text('Not found', 404); // a malformed % escape names no file
    }
    const asset = issueAsset(ws, rel);
    if (!asset) return c.text('Not found', 404);
    return c.body(fs.readFileSync(asset.file), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      // A file is shown, never run: an SVG with a script in it cannot act on this origin.
      'Content-Security-Policy':
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    });
  });

  app.get('/issues/:slug', async (c) => {
    const slug = c.req.param('slug');
    const file = issueFileForSlug(ws, slug);
    const loaded = tryLoadContext(ws);
    // On the public server an issue is public once it was sent: next week's is not guessable.
    if (!file || !loaded.ok || (published && !(await published(slug)))) return c.text('Not found', 404);
    const report = await prepareIssue(file, loaded.ctx, ws);
    if (!report.compiled || hasErrors(report)) return c.text('This issue is not published', 404);
    const out = new Personalizer(report.compiled).fill(
      { email: '' },
      { unsubscribeUrl: `${ws.publicUrl}/unsubscribe`, browserUrl: webVersionUrl(ws.publicUrl, slug) },
    );
    return c.html(out.html);
  });

  return app;
}
