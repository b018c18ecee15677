import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { TestSendSettings } from '../../send/test-send.ts';
import { hostGuard } from '../guard.ts';
import { webVersionRoutes } from '../web-version.ts';
import { listSummaries, tryLoadContext, type Workspace } from '../workspace.ts';
import { issueRoutes } from './issue-routes.ts';
import type { LiveReload } from './live.ts';
import { indexPage } from './pages.ts';
import { type PreviewReader, PreviewRenderer } from './render-issue.ts';
import { testSendRoutes } from './test-send-routes.ts';

export type { PreviewReader } from './render-issue.ts';
export { recipientRefusal } from './test-send-routes.ts';

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

/**
 * The editor's preview: the index, the issue page with its frames and tabs (issue-routes.ts), live
 * reload, test sends (test-send-routes.ts) and the web version.
 */
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
  const renderer = new PreviewRenderer(ws, deps.subscribers);
  app.use('*', hostGuard(deps.hostnames ?? []));
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'SAMEORIGIN');
    c.header('Referrer-Policy', 'same-origin'); // no-referrer would make the browser send Origin: null
  });

  app.get('/', async (c) => {
    const loaded = tryLoadContext(ws);
    if (!loaded.ok) return c.html(indexPage([], loaded.diagnostics));
    return c.html(indexPage(await listSummaries(ws, loaded.ctx), []));
  });
  app.get('/events', (c) => liveEvents(c, live));
  issueRoutes(app, { ws, live, renderer, testSettings, token });
  testSendRoutes(app, {
    renderer,
    testSettings,
    smtpUrl: deps.smtpUrl,
    testRecipients: deps.testRecipients ?? null,
    perMinute: deps.testSendsPerMinute ?? 10,
    token,
  });
  app.route('/', webVersionRoutes(ws));
  return app;
}

/** Server-sent events: `change` after each edit the watcher sees, so open pages reload. */
function liveEvents(c: Context, live: LiveReload) {
  return streamSSE(c, async (stream) => {
    const unsubscribe = live.subscribe((change) => {
      void stream.writeSSE({ event: 'change', data: JSON.stringify(change), id: String(change.version) });
    });
    await stream.writeSSE({ event: 'hello', data: String(live.version) });
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    unsubscribe();
  });
}
