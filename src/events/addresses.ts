/**
 * Email addresses in untrusted text (bounce bodies, report fields), found in linear time: each `@`
 * is expanded left over at most 64 local-part characters and right over at most 255 domain
 * characters, so no input can make the search quadratic (a regex with a `+` before the `@` rescans
 * the whole run of letters from every starting point: 50 KB took 17 s).
 */
const LOCAL_MAX = 64;
const DOMAIN_MAX = 255;

function isLocalChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    "!#$%&'*+-/=?^_`{|}~.".includes(String.fromCharCode(c))
  );
}

function isDomainChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e
  );
}

export interface FoundAddress {
  /** Lower-cased. */
  address: string;
  /** Offset of its first character in the text. */
  index: number;
  end: number;
}

/** Every plausible address in `text`, in order, lower-cased (a domain needs a dot and letters-or-digits labels). */
export function findAddresses(text: string, limit = 1000): FoundAddress[] {
  const out: FoundAddress[] = [];
  let from = 0;
  let consumedTo = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0 || out.length >= limit) break;
    from = at + 1;
    let start = at;
    while (start > consumedTo && at - start < LOCAL_MAX && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === 0x2e) start++; // no leading dot
    // A quote or a `'` before the local part belongs to the text, not to the address ("'x@y'").
    while (start < at && (text[start] === "'" || text[start] === '`')) start++;
    let end = at + 1;
    while (end < text.length && end - at <= DOMAIN_MAX && isDomainChar(text.charCodeAt(end))) end++;
    // Trailing dots and hyphens close a sentence, not a domain.
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    if (start === at || end === at + 1) continue;
    const local = text.slice(start, at).replace(/\.+$/, '');
    const domain = text.slice(at + 1, end);
    if (!local || !validDomain(domain)) continue;
    out.push({ address: `${local}@${domain}`.toLowerCase(), index: start, end });
    consumedTo = end;
    from = end;
  }
  return out;
}

/** The first address in `value` ("rfc822; user@example.org", "<user@example.org>"), or null. */
export function firstAddress(value: string | undefined | null): string | null {
  if (!value) return null;
  return findAddresses(value.slice(0, 2000), 1)[0]?.address ?? null;
}

function validDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const l of labels) {
    if (!l || l.length > 63 || l.startsWith('-') || l.endsWith('-')) return false;
  }
  // The last label is a name (letters), not a number: "1.2.3.4" after an @ is not a domain.
  return /[a-z]/i.test(labels[labels.length - 1] ?? '');
}
