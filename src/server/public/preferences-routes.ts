import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { rateLimiter } from 'hono-rate-limiter';
import { changePreferences, readerPreferences } from '../../audience/preferences.ts';
import { isTestClaims, verifyUnsubscribeToken } from '../../audience/unsubscribe-token.ts';
import type { Db } from '../../store/audience.ts';
import { clientAddress } from '../client-address.ts';
import { page, pageHeaders } from './page.ts';
import { preferencesWords } from './signup-words.ts';

export interface PreferencesDeps {
  db: Db;
  secret: string;
  ownOrigin: string;
  defaultLang: string;
  perMinute: number;
  trustedProxies: readonly string[];
  /** A reader joined lists here: their welcome numéros follow. */
  onJoined?(subscriberId: number, listIds: readonly number[]): Promise<void>;
}

/**
 * The reader's preferences page, from the "manage my subscription" link of every message
 * (`/preferences/TOKEN`, the token of their unsubscribe link): their lists, joined or left one by
 * one, their name, and leaving everything. The link is the reader's key: whoever has the message has
 * it, as with one-click unsubscribe. A POST must come from this page (its Origin), and changes only
 * what was asked; a list the reader left on a bounce or complaint, or an address suppressed, is
 * never joined from here.
 */
export function preferencesRoutes(d: PreferencesDeps): Hono {
  const app = new Hono();
  const limiter = rateLimiter({
    windowMs: 60_000,
    limit: d.perMinute,
    standardHeaders: false,
    keyGenerator: (c) => `prefs:${clientAddress(c, d.trustedProxies)}`,
  });
  const limit = bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text('413 Request body too large', 413) });
  // same-origin: the page's own POST then carries its Origin (the page links nowhere else).
  app.use('/preferences/*', pageHeaders('same-origin'), limiter, limit);

  const invalid = (c: Context) => {
    const w = preferencesWords(d.defaultLang);
    return c.html(page(d.defaultLang, w.invalidTitle, html`<p>${w.invalidText}</p>`), 400);
  };

  app.get('/preferences/:token', async (c) => {
    const token = c.req.param('token');
    const claims = verifyUnsubscribeToken(token, d.secret);
    if (!claims) return invalid(c);
    const w = preferencesWords(d.defaultLang);
    if (isTestClaims(claims)) return c.html(page(d.defaultLang, w.title, html`<p>${w.test}</p>`));
    const prefs = await readerPreferences(d.db, claims.subscriberId);
    if (!prefs) return invalid(c);
    const lw = preferencesWords(prefs.lang);
    return c.html(
      page(
        prefs.lang,
        lw.title,
        html`<form method="post" action="/preferences/${token}">
<label for="name">${lw.name}</label>
<input id="name" type="text" name="name" maxlength="100" value="${prefs.name ?? ''}">
<fieldset><legend>${lw.lists}</legend>${prefs.lists.map(
          (
            l,
          ) => html`<div><input type="checkbox" id="list-${l.id}" name="list" value="${l.id}"${l.active ? html` checked` : ''}${l.locked ? html` disabled` : ''}>
<label for="list-${l.id}">${l.name}</label>${l.locked ? html` <small>(${lw.locked})</small>` : ''}</div>`,
        )}</fieldset>
<button type="submit">${lw.save}</button>
</form>
<form method="post" action="/preferences/${token}"><input type="hidden" name="leave" value="all"><p><button type="submit">${lw.leaveAll}</button></p></form>`,
      ),
    );
  });

  app.post('/preferences/:token', async (c) => {
    const token = c.req.param('token');
    const claims = verifyUnsubscribeToken(token, d.secret);
    if (!claims) return invalid(c);
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== d.ownOrigin)
      return c.text('403 Forbidden: not from this page', 403);
    const w = preferencesWords(d.defaultLang);
    if (isTestClaims(claims)) return c.html(page(d.defaultLang, w.title, html`<p>${w.test}</p>`));
    const form = await c.req.parseBody({ all: true }).catch(() => null);
    if (!form) return invalid(c);
    const wanted = ([] as unknown[])
      .concat(form.list ?? [])
      .map((v) => Number(v))
      .filter((n) => Number.isInteger(n) && n > 0);
    const name = typeof form.name === 'string' ? form.name.trim().slice(0, 100) : undefined;
    const done = await changePreferences(d.db, claims, {
      leaveAll: form.leave === 'all',
      lists: new Set(wanted),
      ...(name !== undefined ? { name } : {}),
      ip: clientAddress(c, d.trustedProxies),
      userAgent: c.req.header('user-agent') ?? null,
      form: `${d.ownOrigin}/preferences`,
    });
    if (!done) return invalid(c);
    if (done.joined.length) await d.onJoined?.(claims.subscriberId, done.joined);
    const lw = preferencesWords(done.lang);
    return c.html(
      page(
        done.lang,
        lw.savedTitle,
        html`<p>${done.leftAll ? lw.leftAllText : lw.savedText}</p><p><a href="/preferences/${token}">${lw.back}</a></p>`,
      ),
    );
  });
  return app;
}
