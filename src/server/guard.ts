import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * Boundary checks for pages that people with power use (the ops dashboard): a `Host` this server
 * answers to (a page on another name that resolves here, DNS rebinding, gets nothing), and, for any
 * request that changes something, an `Origin` that is this server's own.
 */

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]', '::1'];

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

/** Answers 421 to a request whose Host is not one of `hostnames` (loopback names are always allowed). */
export function hostGuard(hostnames: readonly string[]): MiddlewareHandler {
  const allowed = new Set([...LOOPBACK, ...hostnames.map((h) => h.toLowerCase())]);
  return async (c, next) => {
    const host = c.req.header('host');
    if (!host || !allowed.has(hostnameOf(host))) {
      return c.text('Misdirected request: this server does not answer to that host name', 421);
    }
    await next();
  };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isUnsafe(c: Context): boolean {
  return !SAFE.has(c.req.method);
}

/**
 * Whether the request comes from a page of this very server: its `Origin` (every current browser
 * sends one on a POST) equals this server's origin, or, without an Origin, the browser itself says
 * `Sec-Fetch-Site: same-origin`. A request with neither is not from a browser page (curl, a script
 * with a bearer token) and is judged by its credentials alone.
 */
export function fromOwnOrigin(c: Context): 'same' | 'cross' | 'unknown' {
  const origin = c.req.header('origin');
  const host = c.req.header('host');
  if (origin && origin !== 'null') {
    try {
      const o = new URL(origin);
      return host && o.host.toLowerCase() === host.toLowerCase() ? 'same' : 'cross';
    } catch {
      return 'cross';
    }
  }
  if (origin === 'null') return 'cross';
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin' ? 'same' : 'cross';
  return 'unknown';
}

/** Whether a secret someone gave equals ours, in constant time (a token, a password, a MAC). */
export function sameSecret(given: string, expected: string): boolean {
  const x = Buffer.from(given);
  const y = Buffer.from(expected);
  return x.length === y.length && timingSafeEqual(x, y);
}
