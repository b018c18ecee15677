import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { rateLimiter } from 'hono-rate-limiter';
import { confirmSignup, MAX_EMAIL, MAX_NAME, requestSignup, signupOfToken } from '../../audience/signup.ts';
import type { Db } from '../../store/audience.ts';
import { publicLists } from '../../store/list-settings.ts';
import { clientAddress } from '../client-address.ts';
import { page, pageHeaders } from './page.ts';
import { signupWords } from './signup-words.ts';

export interface SignupDeps {
  db: Db;
  secret: string;
  newsletterName: string;
  /** PUBLIC_URL's origin: its own pages may always post. */
  ownOrigin: string;
  /** Other sites whose pages may post the form or call the JSON API (SIGNUP_ORIGINS). */
  origins: readonly string[];
  perIpPerHour: number;
  /** Requests per client per minute, whatever they are (a first, in-memory line before the database's hourly count). */
  perMinute: number;
  trustedProxies: readonly string[];
  defaultLang: string;
  /** Puts a signup's confirmation on the send queue; a failure is logged and the worker's reconciler catches up. */
  queueConfirmation(signupId: number): Promise<void>;
  /** A reader confirmed (or joined a single opt-in list): the welcome numéros follow from here. */
  onJoined?(subscriberId: number, listIds: readonly number[]): Promise<void>;
  log(event: string, fields: Record<string, unknown>): void;
}

/** The honeypot: a field people never see and bots fill. */
const HONEYPOT = 'website';

interface Posted {
  email: string;
  name: string | null;
  lists: string[];
  honeypot: string;
  json: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

async function readPosted(c: Context): Promise<Posted | null> {
  const json = (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
  try {
    if (json) {
      const b = (await c.req.json()) as Record<string, unknown>;
      const lists = Array.isArray(b.lists) ? b.lists.map(str) : b.list ? [str(b.list)] : [];
      return { email: str(b.email), name: str(b.name) || null, lists, honeypot: str(b[HONEYPOT]), json };
    }
    const b = await c.req.parseBody({ all: true });
    const lists = ([] as unknown[])
      .concat(b.list ?? [])
      .map(str)
      .filter(Boolean);
    return { email: str(b.email), name: str(b.name) || null, lists, honeypot: str(b[HONEYPOT]), json };
  } catch {
    return null;
  }
}

/**
 * The signup form (`GET /subscribe`), its posts (`POST /subscribe`: a form, or JSON for sites' own
 * scripts, with CORS for SIGNUP_ORIGINS) and the confirmation link (`GET` shows a button, `POST`
 * confirms: mail scanners follow links). Every accepted request gets the same bytes whatever the
 * address's standing.
 */
export function signupRoutes(d: SignupDeps): Hono {
  const app = new Hono();
  const allowed = new Set([d.ownOrigin, ...d.origins]);
  const lang = d.defaultLang;
  const w = signupWords(lang);

  /** A browser's Origin must be ours or listed; a client without one (curl, a server) is judged by the limits. */
  const originOk = (c: Context) => {
    const origin = c.req.header('origin');
    return origin === undefined || allowed.has(origin);
  };
  const cors: MiddlewareHandler = async (c, next) => {
    await next();
    const origin = c.req.header('origin');
    if (origin && allowed.has(origin) && origin !== d.ownOrigin) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
  };
  const limiter = rateLimiter({
    windowMs: 60_000,
    limit: d.perMinute,
    // No RateLimit-* headers: they would make two answers differ by the count alone.
    standardHeaders: false,
    keyGenerator: (c) => `signup:${clientAddress(c, d.trustedProxies)}`,
    handler: (c) => c.html(page(lang, '429', html`<p>${w.tooMany}</p>`), 429),
  });
  // A signup is a few hundred bytes.
  const limit = bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text('413 Request body too large', 413) });
  app.use('/subscribe', pageHeaders('same-origin'), cors);
  app.use('/confirm/*', pageHeaders('no-referrer'), limiter, limit);

  app.options('/subscribe', (c) => {
    const origin = c.req.header('origin');
    if (!origin || !allowed.has(origin)) return c.body(null, 403);
    c.header('Access-Control-Allow-Methods', 'POST');
    c.header('Access-Control-Allow-Headers', 'Content-Type');
    c.header('Access-Control-Max-Age', '600');
    return c.body(null, 204);
  });

  app.get('/subscribe', async (c) => {
    const lists = await publicLists(d.db);
    const title = w.title(d.newsletterName);
    if (!lists.length) return c.html(page(lang, title, html`<p>${w.noLists}</p>`), 404);
    return c.html(page(lang, title, signupForm(d.newsletterName, lang, lists, '/subscribe')));
  });

  app.post('/subscribe', limiter, limit, async (c) => {
    if (!originOk(c)) return c.html(page(lang, '403', html`<p>${w.forbidden}</p>`), 403);
    const posted = await readPosted(c);
    if (!posted) return refusal(c, false, 'email', 'unreadable request');
    const ok = (effect: 'check' | 'subscribed') =>
      posted.json
        ? c.json({ ok: true, message: effect === 'check' ? w.checkText : w.subscribedText })
        : c.html(
            page(lang, w.checkTitle, html`<p>${effect === 'check' ? w.checkText : w.subscribedText}</p>`),
          );
    if (posted.honeypot) {
      d.log('signup.ignored', { why: 'honeypot' });
      return ok('check');
    }
    const out = await requestSignup(
      d.db,
      {
        email: posted.email.slice(0, MAX_EMAIL + 1),
        name: posted.name?.slice(0, MAX_NAME + 1) ?? null,
        lists: posted.lists.slice(0, 20),
        form: c.req.header('referer') ?? c.req.header('origin') ?? 'api',
        ip: clientAddress(c, d.trustedProxies),
        userAgent: c.req.header('user-agent') ?? null,
        consentText: w.consent(d.newsletterName),
      },
      { perIpPerHour: d.perIpPerHour },
    );
    if (out.kind === 'refused') return refusal(c, posted.json, out.field, out.reason);
    if (out.kind === 'too-many')
      return posted.json
        ? c.json({ ok: false, error: w.tooMany }, 429)
        : c.html(page(lang, '429', html`<p>${w.tooMany}</p>`), 429);
    if (out.effect === 'confirmation-queued') {
      await d.queueConfirmation(out.signupId).catch((e: Error) =>
        d.log('signup.queue_unavailable', {
          signupId: out.signupId,
          err: e.message,
          meanwhile: 'the worker picks it up within a minute',
        }),
      );
    } else if (out.effect === 'subscribed') await d.onJoined?.(out.subscriberId, out.listIds);
    else d.log('signup.ignored', { why: out.why });
    // The same answer for the same lists, whatever happened: nothing tells an address's standing.
    return ok(out.optin === 'single' ? 'subscribed' : 'check');
  });

  const refusal = (c: Context, json: boolean, field: 'email' | 'name' | 'lists', reason: string) =>
    json
      ? c.json({ ok: false, field, error: reason }, 400)
      : c.html(
          page(
            lang,
            w.title(d.newsletterName),
            html`<p>${w.refused} ${w.fields[field]}: ${reason}.</p>
<p><a href="/subscribe">${w.title(d.newsletterName)}</a></p>`,
          ),
          400,
        );

  app.get('/confirm/:token', async (c) => {
    const found = await signupOfToken(d.db, c.req.param('token'), d.secret);
    if (!found) return c.html(page(lang, w.invalidTitle, html`<p>${w.invalidText}</p>`), 400);
    const sw = signupWords(found.signup.lang);
    if (found.signup.confirmed_at)
      return c.html(page(found.signup.lang, sw.confirmedTitle, html`<p>${sw.confirmedText}</p>`));
    if (found.expired)
      return c.html(page(found.signup.lang, sw.expiredTitle, html`<p>${sw.expiredText}</p>`), 410);
    return c.html(
      page(
        found.signup.lang,
        sw.confirmTitle,
        html`<p>${sw.confirmText}</p>
<form method="post" action="/confirm/${c.req.param('token')}"><button type="submit">${sw.confirmButton}</button></form>`,
      ),
    );
  });

  app.post('/confirm/:token', async (c) => {
    const out = await confirmSignup(d.db, c.req.param('token'), d.secret);
    if (out.kind === 'invalid') return c.html(page(lang, w.invalidTitle, html`<p>${w.invalidText}</p>`), 400);
    if (out.kind === 'expired') return c.html(page(lang, w.expiredTitle, html`<p>${w.expiredText}</p>`), 410);
    if (out.kind === 'confirmed') {
      d.log('signup.confirmed', {
        signupId: out.signup.id,
        subscriberId: out.subscriberId,
        lists: out.listIds,
      });
      await d.onJoined?.(out.subscriberId, out.listIds);
    }
    return c.html(page(lang, w.confirmedTitle, html`<p>${w.confirmedText}</p>`));
  });

  return app;
}

/** The signup form: the page's own, and the snippet `numero lists form` prints for other sites. */
export function signupForm(
  newsletter: string,
  lang: string,
  lists: ReadonlyArray<{ name: string }>,
  action: string,
) {
  const w = signupWords(lang);
  const only = lists.length === 1 ? lists[0] : undefined;
  return html`<form method="post" action="${action}" accept-charset="utf-8">
<p>${w.intro}</p>
<label for="numero-email">${w.email}</label>
<input id="numero-email" type="email" name="email" required maxlength="${MAX_EMAIL}" autocomplete="email">
<label for="numero-name">${w.name}</label>
<input id="numero-name" type="text" name="name" maxlength="${MAX_NAME}" autocomplete="given-name">
${
  only
    ? html`<input type="hidden" name="list" value="${only.name}">`
    : html`<fieldset><legend>${w.lists}</legend>${lists.map(
        (l) => html`<div><input type="checkbox" id="numero-list-${l.name}" name="list" value="${l.name}">
<label for="numero-list-${l.name}">${l.name}</label></div>`,
      )}</fieldset>`
}
<div style="position:absolute;left:-10000px" aria-hidden="true"><label for="numero-${HONEYPOT}">Website</label><input id="numero-${HONEYPOT}" type="text" name="${HONEYPOT}" tabindex="-1" autocomplete="off"></div>
<p><small>${w.consent(newsletter)}</small></p>
<button type="submit">${w.button}</button>
</form>`;
}
