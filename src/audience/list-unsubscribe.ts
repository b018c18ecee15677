import { signTestToken, signUnsubscribeToken, type UnsubscribeClaims } from './unsubscribe-token.ts';

export interface UnsubscribeLinks {
  /** The page a reader opens from the link in the message. */
  url: string;
  /** `unsubscribe+TOKEN@domain`, or null when no mailto domain is configured. */
  mailto: string | null;
  token: string;
}

export function unsubscribeLinks(
  claims: UnsubscribeClaims | 'test',
  opts: { secret: string; publicUrl: string; mailtoDomain: string | null },
): UnsubscribeLinks {
  const token = claims === 'test' ? signTestToken(opts.secret) : signUnsubscribeToken(claims, opts.secret);
  return {
    token,
    url: `${opts.publicUrl}/unsubscribe/${token}`,
    mailto: opts.mailtoDomain ? `unsubscribe+${token}@${opts.mailtoDomain}` : null,
  };
}

/**
 * RFC 2369 `List-Unsubscribe` (HTTPS first, then mailto) and RFC 8058 `List-Unsubscribe-Post`, the
 * pair Gmail and Yahoo require of bulk senders for one-click unsubscribe. Every value is checked
 * to hold no CR, LF, `<` or `>`, so a header can never be split or extended.
 */
export function listUnsubscribeHeaders(links: UnsubscribeLinks): Record<string, string> {
  const uris = [links.url, links.mailto ? `mailto:${links.mailto}?subject=unsubscribe` : null].filter(
    (u): u is string => u !== null,
  );
  for (const u of uris) {
    if (/[\r\n<>\s]/.test(u))
      throw new Error(`refusing an unsafe List-Unsubscribe URI: ${JSON.stringify(u)}`);
  }
  return {
    'List-Unsubscribe': uris.map((u) => `<${u}>`).join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
