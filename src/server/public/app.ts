import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { rateLimiter } from 'hono-rate-limiter';
import { maySelfResubscribe, resubscribe, unsubscribe } from '../../audience/membership.ts';
import { isTestClaims, verifyUnsubscribeToken } from '../../audience/unsubscribe-token.ts';
import { findListById } from '../../store/audience.ts';
import type { Store } from '../../store/db.ts';
import { clientAddress } from '../client-address.ts';
import type { Workspace } from '../issue-files.ts';
import { issueFilesRoutes } from '../issue-files.ts';
import { archiveRoutes } from './archive-routes.ts';
import { page, pageHeaders } from './page.ts';
import { pageWords } from './words.ts';

export interface PublicDeps {
  store: Store;
  secret: string;
  /** Language of pages reached without a valid token. */
  defaultLang: string;
  /** Requests per client per minute that carry no valid token. */
  rateLimitPerMinute: number;
  /** Requests per minute for one valid token (a reader's own link), whatever others do. */
  tokenRateLimitPerMinute?: number;
  /** Reverse proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustedProxies?: readonly string[];
  workspace?: Workspace;
  /** The newsletter's name, for the archive and its feeds. */
  newsletterName?: string;
}

/**
 * The public server: one-click unsubscribe (RFC 8058) and its confirmation page, resubscribe, and
 * the web version of issues. A GET never changes anything (mail scanners follow links); a POST
 * unsubscribes and answers 200 directly, with no redirect, cookie or script needed. Every answer is
 * the same whatever the reader's state, so the server never tells whether an address is subscribed.
 */
export function publicApp(deps: PublicDeps): Hono {
  const app = new Hono();
  const tooMany = (c: Context) =>
    c.html(page(deps.defaultLang, '429', html`<p>${pageWords(deps.defaultLang).tooMany}</p>`), 429);
  /** The token as sent, %-decoded; null when its escapes are malformed (`/unsubscribe/%ff`). */
  const decodedToken = (c: Context): string | null => {
    try {
      return decodeURIComponent(c.req.path.split('/')[2] ?? '');
    } catch {
      return null;
    }
  };
  const tokenOf = (c: Context) => decodedToken(c) ?? '';
  const valid = (c: Context) => verifyUnsubscribeToken(tokenOf(c), deps.secret) !== null;
  // Requests without a valid token are limited per client (behind a trusted proxy, the real client);
  // a reader's own valid link has a bucket of its own, so no one else's traffic can refuse their
  // one-click POST.
  const invalidLimiter = rateLimiter({
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => `client:${clientAddress(c, deps.trustedProxies ?? [])}`,
    skip: valid,
    handler: tooMany,
  });
  const tokenLimiter = rateLimiter({
    windowMs: 60_000,
    limit: deps.tokenRateLimitPerMinute ?? 20,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => `token:${tokenOf(c).toLowerCase()}`,
    skip: (c) => !valid(c),
    handler: tooMany,
  });
  // A one-click body is a few bytes.
  const limit = bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('413 Request body too large', 413) });
  // A path whose escapes do not decode is a bad request (400, counted by the limiter above), never a 500.
  const wellFormed: MiddlewareHandler = async (c, next) => {
    if (c.req.path.split('/').length > 2 && decodedToken(c) === null) return invalid(c);
    await next();
  };
  // The pages carry a reader's token: never leaked as a referrer.
  for (const path of ['/unsubscribe', '/unsubscribe/*', '/resubscribe/*'])
    app.use(path, pageHeaders('no-referrer'), limit, invalidLimiter, tokenLimiter, wellFormed);

  const claimsOf = async (token: string) => {
    const claims = verifyUnsubscribeToken(token, deps.secret);
    if (!claims) return null;
    if (isTestClaims(claims)) return { claims, lang: deps.defaultLang, test: true };
    const list = await findListById(deps.store.db, claims.listId);
    return list ? { claims, lang: list.lang, test: false } : null;
  };
  /** A test copy's link: the same pages, and nothing changes. */
  const testPage = (c: Context) => {
    const w = pageWords(deps.defaultLang);
    return c.html(page(deps.defaultLang, w.testTitle, html`<p>${w.testText}</p>`), 200);
  };
  const invalid = (c: Context) => {
    const w = pageWords(deps.defaultLang);
    return c.html(page(deps.defaultLang, w.invalidTitle, html`<p>${w.invalidText}</p>`), 400);
  };

  app.get('/unsubscribe', (c) => {
    const w = pageWords(deps.defaultLang);
    return c.html(page(deps.defaultLang, w.helpTitle, html`<p>${w.helpText}</p>`));
  });

  app.get('/unsubscribe/:token', async (c) => {
    const found = await claimsOf(c.req.param('token'));
    if (!found) return invalid(c);
    if (found.test) return testPage(c);
    const w = pageWords(found.lang);
    return c.html(
      page(
        found.lang,
        w.confirmTitle,
        html`<p>${w.confirmText}</p>
<form method="post" action="/unsubscribe/${c.req.param('token')}"><button type="submit">${w.confirmButton}</button></form>`,
      ),
    );
  });

  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const found = await claimsOf(token);
    if (!found) return invalid(c);
    if (found.test) return testPage(c);
    // Mail clients send the RFC 8058 body `List-Unsubscribe=One-Click`; the page's button sends nothing.
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const via = form['List-Unsubscribe'] === 'One-Click' ? 'one-click' : 'link';
    await unsubscribe(deps.store.db, found.claims, via);
    const w = pageWords(found.lang);
    return c.html(
      page(
        found.lang,
        w.doneTitle,
        html`<p>${w.doneText}</p>
<form method="post" action="/resubscribe/${token}"><button type="submit">${w.resubscribeButton}</button></form>`,
      ),
      200,
    );
  });

  app.post('/resubscribe/:token', async (c) => {
    const found = await claimsOf(c.req.param('token'));
    if (!found) return invalid(c);
    if (found.test) return testPage(c);
    const w = pageWords(found.lang);
    if (!(await maySelfResubscribe(deps.store.db, found.claims)))
      return c.html(page(found.lang, w.noResubscribeTitle, html`<p>${w.noResubscribeText}</p>`), 200);
    await resubscribe(deps.store.db, found.claims, 'page');
    return c.html(page(found.lang, w.resubscribedTitle, html`<p>${w.resubscribedText}</p>`), 200);
  });

  if (deps.workspace) app.route('/', issueFilesRoutes(deps.workspace));
  app.route(
    '/',
    archiveRoutes({
      db: deps.store.db,
      publicUrl: deps.workspace?.publicUrl ?? '',
      newsletterName: deps.newsletterName ?? 'numero',
      lang: deps.defaultLang,
    }),
  );
  return app;
}
