import { createHmac, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { fromOwnOrigin, isUnsafe, sameSecret } from '../guard.ts';

/**
 * Authentication of the ops dashboard and /metrics: OPS_TOKEN, given either as a bearer token
 * (monitoring, scripts) or once in a login form that sets a signed session cookie (HttpOnly,
 * SameSite=Strict, path /ops). Stateless: the cookie is `expiry.nonce.mac` under a key derived from
 * OPS_TOKEN, so changing the token logs everyone out and several servers accept each other's cookies.
 *
 * A change (any method but GET/HEAD) made with the cookie must also come from this server's own
 * origin and, for the dashboard's forms, carry the CSRF proof: a MAC of the session cookie that
 * only a page rendered for that session contains. Without credentials: 401; cross-site or
 * without the proof: 403. Nothing changes in either case.
 */
export const COOKIE = 'numero_ops';
const SESSION_MS = 12 * 60 * 60 * 1000;

export type OpsAuth = { kind: 'bearer' } | { kind: 'cookie'; csrf: string };

export interface OpsAuthority {
  readonly enabled: boolean;
  /** Who the request is, or null. */
  identify(c: Context): OpsAuth | null;
  /** Checks a login password; on success sets the cookie. */
  login(c: Context, token: string): boolean;
  logout(c: Context): void;
  /** 401 without credentials, 403 for a cross-site change or a missing CSRF proof. */
  require(o: { csrfField: boolean }): MiddlewareHandler;
}

/** `token` unset: ops is off, and every request is refused. */
export function opsAuthority(
  token: string | undefined,
  onDenied: (c: Context, status: 401 | 403) => Response | Promise<Response>,
): OpsAuthority {
  const key = token ? createHmac('sha256', 'numero-ops-v1').update(token).digest() : randomBytes(32);
  const mac = (s: string) => createHmac('sha256', key).update(s).digest('base64url');

  const session = (c: Context): string | null => {
    const value = getCookie(c, COOKIE);
    if (!value || value.length > 200) return null;
    const [exp = '', nonce = '', given = ''] = value.split('.');
    if (!/^\d{1,15}$/.test(exp) || Number(exp) < Date.now()) return null;
    return sameSecret(given, mac(`session|${exp}.${nonce}`)) ? value : null;
  };

  const identify = (c: Context): OpsAuth | null => {
    if (!token) return null;
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    if (bearer !== undefined) return sameSecret(bearer, token) ? { kind: 'bearer' } : null;
    const s = session(c);
    return s ? { kind: 'cookie', csrf: mac(`csrf|${s}`) } : null;
  };

  return {
    enabled: Boolean(token),
    identify,
    login(c, given) {
      if (!token || !sameSecret(given, token)) return false;
      const exp = String(Date.now() + SESSION_MS);
      const nonce = randomBytes(12).toString('base64url');
      const secure =
        new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
      setCookie(c, COOKIE, `${exp}.${nonce}.${mac(`session|${exp}.${nonce}`)}`, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/ops',
        secure,
        maxAge: SESSION_MS / 1000,
      });
      return true;
    },
    logout(c) {
      deleteCookie(c, COOKIE, { path: '/ops' });
    },
    require({ csrfField }) {
      return async (c, next) => {
        const who = identify(c);
        if (!who) return onDenied(c, 401);
        if (who.kind === 'cookie' && isUnsafe(c)) {
          // A cookie travels with any request the browser makes: prove the page was ours.
          if (fromOwnOrigin(c) !== 'same') return onDenied(c, 403);
          if (csrfField) {
            const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
            const proof = typeof body._csrf === 'string' ? body._csrf : '';
            if (!sameSecret(proof, who.csrf)) return onDenied(c, 403);
          }
        }
        await next();
      };
    },
  };
}
