import { safeDecode } from '../_shared/uri.ts';

/**
 * Engines escape what they output: React turns `"` into `&quot;`, mdast-util-to-hast percent-encodes
 * `{` in URLs. Inside a merge field that would break Handlebars, so the final HTML gets its
 * `{{…}}` spans put back as the editor wrote them. Text outside merge fields is not touched.
 */
const ENTITIES: Record<string, string> = {
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
  '&amp;': '&',
  '&#x3D;': '=',
  '&lt;': '<',
  '&gt;': '>',
};

export function restoreMustaches(html: string): string {
  return html
    .replace(/%7B%7B(.*?)%7D%7D/g, (_m, inner: string, at: number, all: string) => {
      const field = safeDecode(inner).trim();
      // A field that is the whole URL (`{{unsubscribeUrl}}`) is a URL itself; one inside a URL
      // (`?email={{email}}`) is a value: the `url` helper percent-encodes it, so `a+b@x` survives.
      const startsUrl = /(=["']|\[|\()$/.test(all.slice(Math.max(0, at - 2), at));
      return !startsUrl && /^[A-Za-z_][\w.]*$/.test(field) ? `{{url ${field}}}` : `{{${field}}}`;
    })
    .replace(
      /\{\{([^{}]*)\}\}/g,
      (_m, inner: string) =>
        `{{${inner.replace(/&(?:quot|#x27|#39|amp|#x3D|lt|gt);/g, (e) => ENTITIES[e] ?? e)}}}`,
    );
}
