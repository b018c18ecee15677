import type { Hono } from 'hono';
import { Personalizer } from '../render/personalize.ts';
import { hasErrors, prepareIssue } from '../render/prepare.ts';
import { webVersionUrl } from '../render/sample-readers.ts';
import { issueFilesRoutes } from './issue-files.ts';
import { issueFileForSlug, tryLoadContext, type Workspace } from './workspace.ts';

/**
 * The preview's web version of an issue, where `{{browserUrl}}` points: the current file rendered for
 * nobody in particular (no name, no address, no personal unsubscribe link). The public server serves
 * the numéro as it was sent instead (public/archive-routes.ts).
 */
export function webVersionRoutes(ws: Workspace): Hono {
  const app = issueFilesRoutes(ws);
  app.get('/issues/:slug', async (c) => {
    const slug = c.req.param('slug');
    const file = issueFileForSlug(ws, slug);
    const loaded = tryLoadContext(ws);
    if (!file || !loaded.ok) return c.text('Not found', 404);
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
