import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { rateLimiter } from 'hono-rate-limiter';
import { parseAddress } from '../../_shared/address.ts';
import { NumeroError } from '../../errors.ts';
import { hasErrors } from '../../render/prepare.ts';
import { sendTest, type TestSendSettings } from '../../send/test-send.ts';
import { fromOwnOrigin, sameSecret } from '../guard.ts';
import type { PreviewRenderer } from './render-issue.ts';

export interface TestSendDeps {
  renderer: PreviewRenderer;
  testSettings: TestSendSettings;
  smtpUrl: string;
  /** Who may receive test sends (addresses or domains); null = anyone, with sample readers only. */
  testRecipients: readonly string[] | null;
  /** Test sends per minute from this preview, all pages together. */
  perMinute: number;
  token: string;
}

/** POST /preview/:slug/test: a test copy of the issue, as the chosen reader gets it, to one address. */
export function testSendRoutes(app: Hono, deps: TestSendDeps): void {
  const limit = rateLimiter({
    windowMs: 60_000,
    limit: deps.perMinute,
    keyGenerator: () => 'test-sends',
    handler: (c) => c.text('429 Too many test sends: wait a minute', 429),
  });
  app.post(
    '/preview/:slug/test',
    bodyLimit({ maxSize: 8 * 1024 }),
    ownPagesOnly(deps.token),
    limit,
    async (c) => {
      const slug = c.req.param('slug');
      const form = await c.req.parseBody();
      const template = typeof form.template === 'string' ? form.template : undefined;
      const readerId = typeof form.reader === 'string' ? form.reader : undefined;
      const back = (extra: string) =>
        `/preview/${encodeURIComponent(slug)}?template=${encodeURIComponent(template ?? '')}&reader=${encodeURIComponent(readerId ?? '')}&${extra}`;
      const p = await deps.renderer.preview(slug, template, readerId);
      if (!p) return c.text('Not found', 404);
      const reader = p.person;
      const to = typeof form.to === 'string' ? form.to.slice(0, 320) : '';
      const refusal = recipientRefusal(to, reader?.id ?? '', deps.testRecipients);
      if (refusal) return c.redirect(back(`test_error=${encodeURIComponent(refusal)}`), 303);
      if (!p.report?.compiled || !p.report.issue || !reader || hasErrors(p.report)) {
        const why = 'The issue has errors: fix them before sending a test.';
        return c.redirect(back(`test_error=${encodeURIComponent(why)}`), 303);
      }
      try {
        const result = await sendTest({
          compiled: p.report.compiled,
          newsletter: p.report.issue.newsletter,
          reader,
          to,
          smtpUrl: deps.smtpUrl,
          settings: deps.testSettings,
        });
        return c.redirect(back(`sent=${encodeURIComponent(result.to)}`), 303);
      } catch (e) {
        if (!(e instanceof NumeroError)) throw e;
        return c.redirect(back(`test_error=${encodeURIComponent(e.message)}`), 303);
      }
    },
  );
}

/** A page of another site (or a script without a page) never sends mail through the preview. */
function ownPagesOnly(token: string): MiddlewareHandler {
  return async (c, next) => {
    const form = await c.req.parseBody();
    const given = typeof form._token === 'string' ? form._token : '';
    if (fromOwnOrigin(c) !== 'same' || !sameSecret(given, token))
      return c.text('403 Forbidden: test sends come only from the preview’s own pages', 403);
    await next();
  };
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
