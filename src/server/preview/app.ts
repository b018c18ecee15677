import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import { rateLimiter } from 'hono-rate-limiter';
import { parseAddress } from '../../_shared/address.ts';
import { hasErrors, prepareIssue } from '../../check/check.ts';
import { type ClientReport, clientReport } from '../../check/clients.ts';
import { linksAndImages } from '../../check/links.ts';
import { spamScore } from '../../check/spam.ts';
import { listTemplates } from '../../content/load.ts';
import { NumeroError } from '../../errors.ts';
import { Personalizer, type Reader } from '../../render/personalize.ts';
import { SAMPLE_READERS, sampleLinks } from '../../render/sample-readers.ts';
import { buildTestMessage, sendTest, signedRaw, type TestSendSettings } from '../../send/test-send.ts';
import { fromOwnOrigin, hostGuard, sameSecret } from '../guard.ts';
import { webVersionRoutes } from '../web-version.ts';
import { issueFileForSlug, listSummaries, tryLoadContext, type Workspace } from '../workspace.ts';
import type { LiveReload } from './live.ts';
import { diagnosticsList, FRAME_WIDTHS, indexPage, issuePage, layout, spamPage } from './pages.ts';

/** caniemail's check takes a few seconds: live reload re-renders often, so the last reports are kept. */
const clientReports = new Map<string, ClientReport>();
function clientsOf(html: string): ClientReport {
  const key = createHash('sha1').update(html).digest('hex');
  let r = clientReports.get(key);
  if (!r) {
    r = clientReport(html);
    clientReports.set(key, r);
    if (clientReports.size > 20) clientReports.delete(clientReports.keys().next().value as string);
  }
  return r;
}

export interface PreviewDeps {
  /** Host names answered besides loopback (DNS rebinding gets 421). */
  hostnames?: readonly string[];
  /** Who may receive test sends (addresses or domains); null = anyone, with sample readers only. */
  testRecipients?: readonly string[] | null;
  /** Test sends per minute from this preview, all pages together. */
  testSendsPerMinute?: number;
  workspace: Workspace;
  live: LiveReload;
  /** Where "send a test" delivers. */
  smtpUrl: string;
  /** How test copies are signed (as real sends, from the environment); defaults: no DKIM, no mailto. */
  sending?: Partial<TestSendSettings> | undefined;
  /** Real subscribers to preview with, when there is a subscriber store. */
  subscribers?: () => Promise<PreviewReader[]>;
}

export type PreviewReader = Reader & { id: string };

/** The editor's preview: index, issue page with frames, plain text, live reload, test sends. */
export function previewApp(deps: PreviewDeps): Hono {
  const { workspace: ws, live } = deps;
  const app = new Hono();
  /** How test copies (sent, or scored for spam) are signed and addressed: as real sends are. */
  const testSettings: TestSendSettings = {
    secret: null,
    mailtoDomain: null,
    bounceDomain: undefined,
    dkim: null,
    ...deps.sending,
    publicUrl: ws.publicUrl,
  };
  // The preview shows unpublished issues and real subscribers, and can send mail: only pages of its
  // own, on a host name it answers to, may use it.
  const token = randomBytes(24).toString('base64url');
  app.use('*', hostGuard(deps.hostnames ?? []));
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'SAMEORIGIN');
    c.header('Referrer-Policy', 'same-origin'); // no-referrer would make the browser send Origin: null
  });
  const testLimit = rateLimiter({
    windowMs: 60_000,
    limit: deps.testSendsPerMinute ?? 10,
    keyGenerator: () => 'test-sends',
    handler: (c) => c.text('429 Too many test sends: wait a minute', 429),
  });

  app.get('/', async (c) => {
    const loaded = tryLoadContext(ws);
    if (!loaded.ok) return c.html(indexPage([], loaded.diagnostics));
    return c.html(indexPage(await listSummaries(ws, loaded.ctx), []));
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = live.subscribe((change) => {
        void stream.writeSSE({ event: 'change', data: JSON.stringify(change), id: String(change.version) });
      });
      await stream.writeSSE({ event: 'hello', data: String(live.version) });
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      unsubscribe();
    }),
  );

  /** The built-in sample readers, then real subscribers when there is a subscriber store. */
  async function readers(): Promise<PreviewReader[]> {
    return [...SAMPLE_READERS, ...(deps.subscribers ? await deps.subscribers() : [])];
  }

  /** Renders one issue for the selected template and sample reader, or says what is wrong. */
  async function preview(slug: string, template: string | undefined, readerId: string | undefined) {
    const file = issueFileForSlug(ws, slug);
    if (!file) return null;
    const templates = listTemplates(ws.templatesDir);
    const chosenTemplate = template && templates.includes(template) ? template : undefined;
    const all = await readers();
    const reader = all.find((r) => r.id === readerId) ?? all[0];
    const loaded = tryLoadContext(ws);
    if (!loaded.ok || !reader) {
      return {
        file,
        templates,
        template: chosenTemplate,
        reader: reader?.id ?? '',
        person: reader,
        diagnostics: loaded.ok ? [] : loaded.diagnostics,
        report: null,
        out: null,
      };
    }
    const report = await prepareIssue(file, loaded.ctx, { ...ws, template: chosenTemplate });
    const out =
      report.compiled && !hasErrors(report)
        ? new Personalizer(report.compiled).fill(reader, sampleLinks(ws.publicUrl, slug))
        : null;
    return {
      file,
      templates,
      template: report.compiled?.template ?? chosenTemplate,
      reader: reader.id,
      person: reader,
      diagnostics: report.diagnostics,
      report,
      out,
    };
  }

  app.get('/preview/:slug', async (c) => {
    const slug = c.req.param('slug');
    const p = await preview(slug, c.req.query('template'), c.req.query('reader'));
    if (!p)
      return c.html(
        layout(
          'Not found',
          html`<main id="main"><p>No issue "${slug}". <a href="/">All issues</a></p></main>`,
          { live: false },
        ),
        404,
      );
    const issue = p.report?.issue;
    const sent = c.req.query('sent');
    const scheme = c.req.query('scheme') === 'dark' ? 'dark' : 'light';
    const asked = Number(c.req.query('width'));
    const width = (FRAME_WIDTHS as readonly number[]).includes(asked) ? asked : 414;
    const links = sampleLinks(ws.publicUrl, slug);
    return c.html(
      issuePage({
        slug,
        file: p.report?.file ?? p.file,
        templates: p.templates,
        template: p.template ?? issue?.meta.template ?? p.templates[0] ?? '',
        readers: (await readers()).map((r) => ({
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
        scheme,
        width,
        // The compiled issue is the same for every reader: one report per edit, not per reader.
        clients: p.out && p.report?.compiled ? clientsOf(p.report.compiled.html) : null,
        links: p.out
          ? linksAndImages(p.out.html, { ...links, publicUrl: ws.publicUrl, issuesDir: ws.issuesDir })
          : null,
        version: live.version,
        notice: sent ? `Test sent to ${sent}` : null,
        testError: c.req.query('test_error') ?? null,
        token,
      }),
    );
  });

  app.get('/preview/:slug/email.html', async (c) => {
    const p = await preview(c.req.param('slug'), c.req.query('template'), c.req.query('reader'));
    if (!p) return c.text('Not found', 404);
    if (!p.out) {
      return c.html(
        layout(
          'Errors',
          html`<main id="main">${diagnosticsList(p.diagnostics.filter((d) => d.severity === 'error'))}</main>`,
          { live: false },
        ),
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
    const p = await preview(c.req.param('slug'), c.req.query('template'), c.req.query('reader'));
    if (!p?.report?.compiled || !p.report.issue) return c.text('Not found', 404);
    const reader = p.person;
    if (!reader) return c.text('Not found', 404);
    const { message } = buildTestMessage({
      compiled: p.report.compiled,
      newsletter: p.report.issue.newsletter,
      reader,
      to: reader.email,
      settings: testSettings,
    });
    const result = await spamScore(await signedRaw(message, testSettings.dkim));
    return c.html(spamPage(result), 200, { 'Cache-Control': 'no-store' });
  });

  app.post(
    '/preview/:slug/test',
    bodyLimit({ maxSize: 8 * 1024 }),
    async (c, next) => {
      // A page of another site (or a script without a page) never sends mail through the preview.
      const form = await c.req.parseBody();
      const given = typeof form._token === 'string' ? form._token : '';
      if (fromOwnOrigin(c) !== 'same' || !sameSecret(given, token))
        return c.text('403 Forbidden: test sends come only from the preview’s own pages', 403);
      await next();
    },
    testLimit,
    async (c) => {
      const slug = c.req.param('slug');
      const form = await c.req.parseBody();
      const template = typeof form.template === 'string' ? form.template : undefined;
      const readerId = typeof form.reader === 'string' ? form.reader : undefined;
      const back = (extra: string) =>
        `/preview/${encodeURIComponent(slug)}?template=${encodeURIComponent(template ?? '')}&reader=${encodeURIComponent(readerId ?? '')}&${extra}`;
      const p = await preview(slug, template, readerId);
      if (!p) return c.text('Not found', 404);
      const reader = p.person;
      const to = typeof form.to === 'string' ? form.to.slice(0, 320) : '';
      const refusal = recipientRefusal(to, reader?.id ?? '', deps.testRecipients ?? null);
      if (refusal) return c.redirect(back(`test_error=${encodeURIComponent(refusal)}`), 303);
      if (!p.report?.compiled || !p.report.issue || !reader || hasErrors(p.report)) {
        return c.redirect(
          back(`test_error=${encodeURIComponent('The issue has errors: fix them before sending a test.')}`),
          303,
        );
      }
      try {
        const result = await sendTest({
          compiled: p.report.compiled,
          newsletter: p.report.issue.newsletter,
          reader,
          to,
          smtpUrl: deps.smtpUrl,
          settings: testSettings,
        });
        return c.redirect(back(`sent=${encodeURIComponent(result.to)}`), 303);
      } catch (e) {
        if (!(e instanceof NumeroError)) throw e;
        return c.redirect(back(`test_error=${encodeURIComponent(e.message)}`), 303);
      }
    },
  );

  app.route('/', webVersionRoutes(ws));
  return app;
}

/**
 * Why a test send to `to` with this reader's data is refused, or null. A real subscriber's name and
 * attributes go only to the team's addresses (PREVIEW_TEST_RECIPIENTS); without that list, anyone
 * may get a test copy, but filled with a sample reader only.
 */
export function recipientRefusal(
  to: string,
  readerId: string,
  allowed: readonly string[] | null,
): string | null {
  const realReader = readerId.startsWith('subscriber-');
  if (allowed === null) {
    return realReader
      ? 'A real subscriber’s data goes only to the addresses in PREVIEW_TEST_RECIPIENTS: choose a sample reader, or set it.'
      : null;
  }
  const parsed = parseAddress(to);
  if (!parsed.ok) return null; // the send itself says why the address is invalid
  const ok = allowed.some((a) =>
    a.includes('@') ? parseAddress(a).ok && a === parsed.normalized.toLowerCase() : a === parsed.domain,
  );
  return ok
    ? null
    : `${parsed.address} is not in PREVIEW_TEST_RECIPIENTS (the addresses and domains test sends may go to).`;
}
