import { decodeHTML, decodeHTMLAttribute } from 'entities';
import type { CompiledIssue } from './compile.ts';

/** A link of the issue that click tracking rewrites: its number in the order of the issue. */
export interface TrackedLink {
  position: number;
  url: string;
  /** The link's text (an image's alt when it is an image), as the report names it. */
  text: string;
}

/** The merge field that carries a message's tracking key (src/engagement/track-token.ts). */
export const TRACK_FIELD = 'numeroTrack';

/** numero's own pages under PUBLIC_URL: never rewritten (unsubscribe, preferences, web version…). */
const SERVICE_PATHS = ['/u/', '/unsubscribe', '/preferences/', '/issues/', '/confirm/', '/r/', '/o/'];
const MAX_TEXT = 200;

/** `<a …>inner</a>`; the renderers write attributes in double quotes (single ones are read too). */
const ANCHOR = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/i;

/**
 * The links tracking may rewrite, in the order of the issue, one per distinct URL (named by the text
 * of its first link): http(s) addresses the editor wrote. Not rewritten: merge fields (the
 * unsubscribe, preferences and web-version links are fields, and a URL with a reader's field in it
 * is not one address), numero's own pages, mailto:, anchors.
 */
export function trackableLinks(compiled: CompiledIssue, publicUrl: string): TrackedLink[] {
  const links: TrackedLink[] = [];
  const seen = new Map<string, TrackedLink>();
  for (const m of compiled.html.matchAll(ANCHOR)) {
    const url = hrefOf(m[1] ?? '');
    if (!url || !trackable(url, publicUrl)) continue;
    const text = linkText(m[2] ?? '');
    const known = seen.get(url);
    if (known) {
      if (!known.text) known.text = text;
      continue;
    }
    const link = { position: links.length + 1, url, text };
    seen.set(url, link);
    links.push(link);
  }
  return links;
}

/**
 * The compiled issue with its tracked links going through `PUBLIC_URL/r/…` and, with `opens`, a
 * 1×1 image before `</body>`. What varies per message is one merge field (TRACK_FIELD); everything
 * else stays fixed text, encoded once per campaign. Links not in `links` are left as they are.
 */
export function withTracking(
  compiled: CompiledIssue,
  links: readonly TrackedLink[],
  o: { publicUrl: string; campaignId: number; opens: boolean },
): CompiledIssue {
  const base = o.publicUrl.replace(/\/+$/, '');
  const c = o.campaignId.toString(36);
  const byUrl = new Map(
    links.map((l) => [l.url, `${base}/r/${c}.${l.position.toString(36)}.{{${TRACK_FIELD}}}`]),
  );
  let html = compiled.html.replace(ANCHOR, (whole, attrs: string) => {
    const url = hrefOf(attrs);
    const to = url ? byUrl.get(url) : undefined;
    if (!to) return whole;
    const at = attrs.match(HREF);
    if (!at || at.index === undefined) return whole;
    const rewritten = `${attrs.slice(0, at.index)}${at[1]}"${to}"${attrs.slice(at.index + at[0].length)}`;
    // `<a` + attributes + the rest, as matched.
    return `${whole.slice(0, 2)}${rewritten}${whole.slice(2 + attrs.length)}`;
  });
  if (o.opens) {
    const pixel = `<img src="${base}/o/${c}.{{${TRACK_FIELD}}}.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
    const end = html.search(/<\/body\s*>(?![\s\S]*<\/body)/i);
    html = end >= 0 ? `${html.slice(0, end)}${pixel}${html.slice(end)}` : `${html}${pixel}`;
  }
  // The text part writes links as `text [URL]`, or the URL alone: either way, whole words.
  const text = compiled.text.replace(/https?:\/\/[^\s\]]+/g, (url) => byUrl.get(url) ?? url);
  return { ...compiled, html, text };
}

function hrefOf(attrs: string): string | null {
  const m = attrs.match(HREF);
  const raw = m ? (m[2] ?? m[3] ?? '') : null;
  return raw === null ? null : decodeHTMLAttribute(raw).trim();
}

function trackable(url: string, publicUrl: string): boolean {
  if (url.includes('{{') || !/^https?:\/\//i.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const own = new URL(publicUrl);
  return !(u.origin === own.origin && SERVICE_PATHS.some((p) => u.pathname.startsWith(p)));
}

/** The words a reader clicks: the link's text, or its image's alt. */
function linkText(inner: string): string {
  const words = decodeHTML(inner.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
  if (words) return words.slice(0, MAX_TEXT);
  const alt = inner.match(/<img\b[^>]*\salt\s*=\s*(?:"([^"]*)"|'([^']*)')/i);
  return decodeHTMLAttribute(alt?.[1] ?? alt?.[2] ?? '')
    .trim()
    .slice(0, MAX_TEXT);
}
