import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { rateLimiter } from 'hono-rate-limiter';
import { parseAddress } from '../../_shared/address.ts';
import { unsuppress } from '../../audience/membership.ts';
import { cancelCampaign, pauseCampaign, resumeCampaign, retryFailed } from '../../campaign/control.ts';
import { parseFailureFilter } from '../../campaign/failures.ts';
import type { CampaignQueue } from '../../campaign/queue-port.ts';
import { campaignProgress, campaignReport, recentProgress } from '../../campaign/report.ts';
import { engagementCsv } from '../../engagement/csv.ts';
import { campaignEngagement, listComparison, liveEngagement } from '../../engagement/report.ts';
import { NumeroError } from '../../errors.ts';
import { undoCampaignBounces } from '../../events/undo.ts';
import { suppressionsPage as suppressionRows } from '../../store/audience.ts';
import { campaignById } from '../../store/campaigns.ts';
import type { Store } from '../../store/db.ts';
import { bounceReportsPage } from '../../store/inbound.ts';
import { clientAddress } from '../client-address.ts';
import { fromOwnOrigin, hostGuard } from '../guard.ts';
import { type OpsAuthority, opsAuthority } from './auth.ts';
import { engagementJson, engagementSection } from './engagement.ts';
import {
  campaignPage,
  campaignsPage,
  loginPage,
  opsLayout,
  progressJson,
  suppressionsPage,
} from './pages.ts';
import { bouncesBody } from './returned.ts';

export interface OpsDeps {
  store: Store;
  /** OPS_TOKEN; unset = every ops page answers 401. */
  token: string | undefined;
  /** Host names the dashboard answers to besides loopback (PUBLIC_URL's host, the bound address). */
  hostnames: readonly string[];
  /** Where a retry puts its batches at once (the workers' reconciler would also find them). */
  queue: CampaignQueue | null;
  /** Bull Board, when Redis is reachable. */
  queues: Hono | null;
  /** Login attempts per IP per minute. */
  loginRateLimit?: number;
  /** TRUST_PROXY: behind them, the client is the forwarded address (as on the public server). */
  trustedProxies?: readonly string[];
  /** Why Redis cannot be reached right now, or null: the queue view answers 503 meanwhile. */
  redisDown?: () => Promise<string | null>;
}

const FLASH = 'numero_ops_flash';
const FORBIDDEN = html`<h1>403 Forbidden</h1><p>This request did not come from a page of this dashboard (cross-site, or without its form token). Nothing was changed.</p><p><a href="/ops">Back to the dashboard</a></p>`;
const NOT_FOUND = html`<h1>Not found</h1><p><a href="/ops">All campaigns</a></p>`;
const MAX_FIELD = 512;

/**
 * The ops dashboard under /ops: campaigns with live progress, a campaign's failures grouped by
 * reply and by domain with a Retry button per group, pause / resume / cancel, the suppression list
 * with un-suppress, and Bull Board under /ops/queues. Every page and action goes through the same
 * campaign and membership use cases as the CLI.
 */
export function opsApp(deps: OpsDeps): { app: Hono; authority: OpsAuthority } {
  const app = new Hono();
  const denied = (c: Context, status: 401 | 403) => {
    if (status === 403) return c.html(opsLayout('Forbidden', FORBIDDEN), 403);
    const wantsHtml = c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsHtml)
      return c.html(loginPage({ error: null, next: c.req.path, enabled: authority.enabled }), 401);
    return c.text('401 Unauthorized: log in at /ops/login, or send Authorization: Bearer OPS_TOKEN', 401, {
      'WWW-Authenticate': 'Bearer realm="numero ops"',
    });
  };
  const authority = opsAuthority(deps.token, denied);

  // Only the dashboard's paths: this app is mounted beside the public server.
  const headers: MiddlewareHandler = async (c, next) => {
    await next();
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Content-Type-Options', 'nosniff');
    if (!c.req.path.startsWith('/ops/queues/static')) c.header('Cache-Control', 'no-store');
  };
  const limit = bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('413 Request body too large', 413) });
  for (const path of ['/ops', '/ops/*']) app.use(path, hostGuard(deps.hostnames), headers, limit);

  app.get('/ops/login', (c) =>
    c.html(loginPage({ error: null, next: safeNext(c.req.query('next')), enabled: authority.enabled })),
  );
  app.post(
    '/ops/login',
    rateLimiter({
      windowMs: 60_000,
      limit: deps.loginRateLimit ?? 10,
      // Keyed like the public server's limit: behind a trusted proxy, each client has its own bucket
      // (one client's wrong tokens never lock the operator out).
      keyGenerator: (c) => `login:${clientAddress(c, deps.trustedProxies ?? [])}`,
      handler: (c) => c.text('429 Too many login attempts: wait a minute', 429),
    }),
    async (c) => {
      // A login from another site would log the operator into the attacker's session.
      if (fromOwnOrigin(c) === 'cross') return denied(c, 403);
      const form = await c.req.parseBody();
      const token = typeof form.token === 'string' ? form.token.slice(0, MAX_FIELD) : '';
      const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
      if (!authority.login(c, token))
        return c.html(loginPage({ error: 'Wrong token.', next, enabled: authority.enabled }), 401);
      return c.redirect(next, 303);
    },
  );

  const requireForms = authority.require({ csrfField: true });
  // Bull Board's own requests are JSON from its page: same origin is their proof.
  const requireQueues = authority.require({ csrfField: false });
  app.use('/ops', requireForms);
  app.use('/ops/*', (c, next) =>
    c.req.path.startsWith('/ops/queues') ? requireQueues(c, next) : requireForms(c, next),
  );

  const csrfOf = (c: Context) => {
    const who = authority.identify(c);
    return who?.kind === 'cookie' ? who.csrf : null;
  };
  const flash = (c: Context) => {
    // A cookie is whatever the client sends: one that does not decode is ignored, never a 500.
    let message: string | null = null;
    try {
      message = getCookie(c, FLASH) ?? null;
    } catch {
      message = null;
    }
    if (message === null) return null;
    deleteCookie(c, FLASH, { path: '/ops' });
    try {
      return decodeURIComponent(message).slice(0, 300);
    } catch {
      return null;
    }
  };
  const redirectWith = (c: Context, to: string, message: string) => {
    setCookie(c, FLASH, encodeURIComponent(message.slice(0, 300)), {
      path: '/ops',
      httpOnly: true,
      sameSite: 'Strict',
      maxAge: 60,
    });
    return c.redirect(to, 303);
  };

  app.post('/ops/logout', (c) => {
    authority.logout(c);
    return c.redirect('/ops/login', 303);
  });

  app.get('/ops', async (c) => c.html(campaignsPage(await recentProgress(deps.store.db, 50), csrfOf(c))));
  app.get('/ops/api/campaigns', async (c) =>
    c.json((await recentProgress(deps.store.db, 50)).map(progressJson)),
  );

  app.get('/ops/campaigns/:id', async (c) => {
    const id = idOf(c.req.param('id'));
    const report = id ? await campaignReport(deps.store.db, id) : null;
    if (!report) return c.html(opsLayout('Not found', NOT_FOUND), 404);
    const e = await campaignEngagement(deps.store.db, report.campaign);
    const section = engagementSection(e, await listComparison(deps.store.db, report.campaign));
    return c.html(campaignPage(report, csrfOf(c), flash(c), section));
  });
  app.get('/ops/api/campaigns/:id', async (c) => {
    const id = idOf(c.req.param('id'));
    const row = id ? await campaignById(deps.store.db, id) : undefined;
    if (!row) return c.json({ error: 'no such campaign' }, 404);
    return c.json({
      ...progressJson(await campaignProgress(deps.store.db, row)),
      ...engagementJson(await liveEngagement(deps.store.db, row)),
    });
  });
  app.get('/ops/campaigns/:id/stats.csv', async (c) => {
    const id = idOf(c.req.param('id'));
    const row = id ? await campaignById(deps.store.db, id) : undefined;
    if (!row) return c.html(opsLayout('Not found', NOT_FOUND), 404);
    return c.body(engagementCsv(await campaignEngagement(deps.store.db, row)), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="campaign-${row.id}-stats.csv"`,
    });
  });

  app.post('/ops/campaigns/:id/undo-bounces', async (c) => {
    const id = idOf(c.req.param('id'));
    if (!id) return c.text('404 Not found', 404);
    const form = await c.req.parseBody();
    const code =
      typeof form.code === 'string' && /^[245]\.\d{1,3}\.\d{1,3}$/.test(form.code) ? form.code : undefined;
    const r = await undoCampaignBounces(deps.store, { campaignId: id, code, by: 'ops dashboard' });
    const message = `${r.readers.length} reader(s) restored${code ? ` (${code})` : ''}: ${r.listsReopened} list membership(s) reopened${r.deliveriesReopened ? `, ${r.deliveriesReopened} refused message(s) back to pending: resume to send them` : ''}`;
    if (authority.identify(c)?.kind === 'bearer') return c.json({ message });
    return redirectWith(c, `/ops/campaigns/${id}`, message);
  });

  app.post('/ops/campaigns/:id/:action', async (c) => {
    const id = idOf(c.req.param('id'));
    const action = c.req.param('action');
    if (!id || !['pause', 'resume', 'cancel', 'retry'].includes(action)) return c.text('404 Not found', 404);
    const form = await c.req.parseBody();
    const field = (k: string) =>
      typeof form[k] === 'string' ? String(form[k]).slice(0, MAX_FIELD) : undefined;
    const db = deps.store.db;
    let message: string;
    try {
      if (action === 'pause') message = await pauseCampaign(db, id, 'the operator (dashboard)');
      else if (action === 'resume') message = await resumeCampaign(db, id);
      else if (action === 'cancel') message = await cancelCampaign(db, id, 'the operator (dashboard)');
      else {
        const filter = parseFailureFilter({ code: field('code'), domain: field('domain') });
        message = (await retryFailed({ db, queue: deps.queue ?? undefined }, id, filter)).message;
      }
    } catch (e) {
      if (!(e instanceof NumeroError)) throw e;
      message = e.message;
    }
    if (authority.identify(c)?.kind === 'bearer') return c.json({ message });
    return redirectWith(c, `/ops/campaigns/${id}`, message);
  });

  app.get('/ops/bounces', async (c) => {
    const db = deps.store.db;
    const body = bouncesBody({
      all: await bounceReportsPage(db, { limit: 100 }),
      unattributed: await bounceReportsPage(db, { unattributed: true, limit: 100 }),
    });
    return c.html(opsLayout('Bounces', body, { csrf: csrfOf(c) }));
  });

  app.get('/ops/suppressions', async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 254);
    const rows = await suppressionRows(deps.store.db, { search: q, limit: 200 });
    return c.html(suppressionsPage(rows, q, csrfOf(c), flash(c)));
  });
  app.post('/ops/suppressions/unsuppress', async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email.slice(0, 254) : '';
    const q = typeof form.q === 'string' ? form.q.slice(0, 254) : '';
    const parsed = parseAddress(email);
    const message = !parsed.ok
      ? `not an address: ${email}`
      : (await unsuppress(deps.store.db, parsed.normalized, 'ops dashboard'))
        ? `${parsed.normalized} is no longer suppressed (logged); its bounced or complained memberships are active again`
        : `${parsed.normalized} was not suppressed; nothing changed`;
    if (authority.identify(c)?.kind === 'bearer') return c.json({ message });
    return redirectWith(c, `/ops/suppressions${q ? `?q=${encodeURIComponent(q)}` : ''}`, message);
  });

  if (deps.queues) {
    // While Redis is away the queue view says so at once (the rest of the dashboard reads the
    // ledger and keeps working); it comes back by itself with Redis.
    const queuesGuard: MiddlewareHandler = async (c, next) => {
      if (c.req.path.startsWith('/ops/queues/static')) return next();
      const down = await deps.redisDown?.();
      if (down)
        return c.html(
          opsLayout(
            'Queues',
            html`<h1>Queues: Redis is not reachable</h1><p>${down}</p><p>The queue view comes back when Redis does; campaigns, failures and suppressions below still work.</p><p><a href="/ops">Campaigns</a></p>`,
            { csrf: csrfOf(c) },
          ),
          503,
        );
      return next();
    };
    app.use('/ops/queues', queuesGuard);
    app.use('/ops/queues/*', queuesGuard);
    app.route('/ops/queues', deps.queues);
  } else
    app.all('/ops/queues/*', (c) =>
      c.text('503 Redis is not reachable from this server: no queue view', 503),
    );

  return { app, authority };
}

function idOf(value: string): number | null {
  return /^[1-9]\d{0,11}$/.test(value) ? Number(value) : null;
}

/** Only a path of the dashboard: never another site after logging in. */
function safeNext(next: string | undefined): string {
  return next && /^\/ops(\/[\w./-]*)?$/.test(next) && !next.includes('//') && !next.startsWith('/ops/login')
    ? next
    : '/ops';
}
