import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
function plain(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '').toLowerCase();
}

/**
 * The client's address: the TCP peer, unless the peer is one of the configured reverse proxies
 * (TRUST_PROXY), in which case the last address in `X-Forwarded-For` that is not itself a trusted
 * proxy. A header from anyone else is ignored, so a client cannot choose its own address.
 */
export function clientAddress(c: Context, trustedProxies: readonly string[]): string {
  const peer = plain(getConnInfo(c).remote.address ?? 'unknown');
  const trusted = new Set(trustedProxies.map(plain));
  if (!trusted.has(peer)) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => plain(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop && !trusted.has(hop)) return hop;
  }
  return peer;
}
