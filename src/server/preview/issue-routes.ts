import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { linksAndImages } from '../../check/links.ts';
import { spamScore } from '../../check/spam.ts';
import { sampleLinks } from '../../render/sample-readers.ts';
import { buildTestMessage, signedRaw, type TestSendSettings } from '../../send/test-send.ts';
import type { Workspace } from '../workspace.ts';
import type { LiveReload } from './live.ts';
import { diagnosticsList, FRAME_WIDTHS, issuePage, layout, spamPage } from './pages.ts';
import { clientsOf, type Preview, type PreviewRenderer } from './render-issue.ts';

export interface IssueRoutesDeps {
  ws: Workspace;
  live: LiveReload;
  renderer: PreviewRenderer;
  testSettings: TestSendSettings;
  /** The secret the page's test-send form carries (same-origin proof). */
  token: string;
}

/** The issue page, the e-mail shown in its frame, and the spam score tab. */
export function issueRoutes(app: Hono, deps: IssueRoutesDeps): void {
  const { renderer } = deps;
  const render = (c: Context) =>
    renderer.preview(c.req.param('slug') ?? '', c.req.query('template'), c.req.query('reader'));

  app.get('/preview/:slug', async (c) => {
    const p = await render(c);
    if (!p) return notFound(c, c.req.param('slug') ?? '');
    return c.html(issuePage(await pageModel(c, p, deps)));
  });

  app.get('/preview/:slug/email.html', async (c) => {
    const p = await render(c);
    if (!p) return c.text('Not found', 404);
    if (!p.out) {
      const errors = p.diagnostics.filter((d) => d.severity === 'error');
      return c.html(
        layout('Errors', html`<main id="main">${diagnosticsList(errors)}</main>`, { live: false }),
        422,
      );
    }
    // Dark: the template's own dark-mode rules, applied as a client that honours
    // prefers-color-scheme does (a frame cannot be told its scheme apart from the page's).
    const body =
      c.req.query('scheme') === 'dark'
        ? p.out.html.replace(/@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/g, '@media all')
        : p.out.html;
    return c.html(body, 200, { 'Cache-Control': 'no-store' });
  });

  // The spam score takes SpamAssassin a second or two: its own page, loaded only when its tab is shown.
  app.get('/preview/:slug/spam.html', async (c) => {
    const p = await render(c);
    if (!p?.report?.compiled || !p.report.issue || !p.person) return c.text('Not found', 404);
    const { message } = buildTestMessage({
      compiled: p.report.compiled,
      newsletter: p.report.issue.newsletter,
      reader: p.person,
      to: p.person.email,
      settings: deps.testSettings,
    });
    const result = await spamScore(await signedRaw(message, deps.testSettings.dkim));
    return c.html(spamPage(result), 200, { 'Cache-Control': 'no-store' });
  });
}

function notFound(c: Context, slug: string) {
  return c.html(
    layout('Not found', html`<main id="main"><p>No issue "${slug}". <a href="/">All issues</a></p></main>`, {
      live: false,
    }),
    404,
  );
}

/** What the issue page shows: the toolbar's choices, the rendered message and its reports. */
async function pageModel(
  c: Context,
  p: Preview,
  deps: IssueRoutesDeps,
): Promise<Parameters<typeof issuePage>[0]> {
  const { ws, live, renderer, token } = deps;
  const slug = c.req.param('slug') ?? '';
  const issue = p.report?.issue;
  const sent = c.req.query('sent');
  const asked = Number(c.req.query('width'));
  const links = sampleLinks(ws.publicUrl, slug);
  return {
    slug,
    file: p.report?.file ?? p.file,
    templates: p.templates,
    template: p.template ?? issue?.meta.template ?? p.templates[0] ?? '',
    readers: (await renderer.readers()).map((r) => ({
      id: r.id,
      label: r.firstName ? `${r.firstName} ${r.lastName ?? ''} <${r.email}>` : `(no name) <${r.email}>`,
    })),
    reader: p.reader,
    diagnostics: p.diagnostics,
    rendered:
      p.out && issue && p.report
        ? {
            from: issue.newsletter.from,
            subject: p.out.subject,
            preheader: issue.meta.preheader,
            text: p.out.text,
            htmlBytes: Buffer.byteLength(p.out.html),
          }
        : null,
    scheme: c.req.query('scheme') === 'dark' ? 'dark' : 'light',
    width: (FRAME_WIDTHS as readonly number[]).includes(asked) ? asked : 414,
    // The compiled issue is the same for every reader: one report per edit, not per reader.
    clients: p.out && p.report?.compiled ? clientsOf(p.report.compiled.html) : null,
    links: p.out
      ? linksAndImages(p.out.html, { ...links, publicUrl: ws.publicUrl, issuesDir: ws.issuesDir })
      : null,
    version: live.version,
    notice: sent ? `Test sent to ${sent}` : null,
    testError: c.req.query('test_error') ?? null,
    token,
  };
}
