import { domainToASCII } from 'node:url';

/**
 * Email address syntax, as a mail server would accept it (RFC 5321 limits, RFC 5322 dot-atom or
 * quoted local part), with internationalised domains (IDN) converted to their ASCII form. The
 * address is sent as given; `normalized` (lower-cased, the domain in ASCII) is what duplicates compare:
 * `Jean.Dupont@Gmail.com` and `jean.dupont@gmail.com` are one reader. RFC 5321 lets a server tell
 * local parts apart by case; no mailbox provider does, and two subscribers for one person would get
 * every issue twice.
 */
export type AddressResult =
  | { ok: true; address: string; normalized: string; domain: string }
  | { ok: false; reason: string };

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_ATOM = new RegExp(`^${ATEXT}+(\\.${ATEXT}+)*$`);
const QUOTED = /^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function parseAddress(input: string): AddressResult {
  const address = input.trim();
  if (!address) return { ok: false, reason: 'empty' };
  // Control characters (CR/LF above all) would let an address inject mail headers.
  if ([...address].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\x7f'))
    return { ok: false, reason: 'contains a control character' };
  const at = address.lastIndexOf('@');
  if (at < 0) return { ok: false, reason: 'no @' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!local) return { ok: false, reason: 'nothing before the @' };
  if (!domain) return { ok: false, reason: 'no domain after the @' };
  if (Buffer.byteLength(local) > 64) return { ok: false, reason: 'local part longer than 64 characters' };
  // Printable ASCII only (control characters were refused above).
  if (/[^ -~]/.test(local))
    return { ok: false, reason: 'non-ASCII local part needs SMTPUTF8, not supported' };
  if (!DOT_ATOM.test(local) && !QUOTED.test(local)) {
    return { ok: false, reason: `invalid local part "${local}"` };
  }
  if (domain.startsWith('[')) return { ok: false, reason: 'address literals ([1.2.3.4]) are not accepted' };
  // The URL parser behind domainToASCII stops at `/ ? #` and drops zero-width characters: check first,
  // so the address stored is the address sent to.
  const junk = /[/?#\\@:%<>[\]\s]/.exec(domain);
  if (junk) return { ok: false, reason: `invalid character "${junk[0]}" in domain "${domain}"` };
  if (domain.normalize('NFKC') !== domain)
    return {
      ok: false,
      reason: `domain "${domain}" has compatibility characters (full-width letters, ligatures…)`,
    };
  // Beyond ASCII, only letters, marks and digits make domain names (not ©, not zero-width spaces).
  const odd = [...domain].find((ch) => (ch.codePointAt(0) ?? 0) > 0x7e && !/[\p{L}\p{N}\p{M}]/u.test(ch));
  if (odd)
    return {
      ok: false,
      reason: `domain has a character that cannot be in a domain name (U+${(odd.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`,
    };
  const ascii = domainToASCII(domain.toLowerCase());
  if (!ascii) return { ok: false, reason: `invalid domain "${domain}"` };
  if (ascii.length > 253) return { ok: false, reason: 'domain longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: `domain "${domain}" has no dot` };
  if (!labels.every((l) => LABEL.test(l))) return { ok: false, reason: `invalid domain "${domain}"` };
  if (/^\d+$/.test(labels.at(-1) ?? ''))
    return { ok: false, reason: `invalid top-level domain in "${domain}"` };
  const normalized = `${local.toLowerCase()}@${ascii}`;
  if (normalized.length > 254) return { ok: false, reason: 'address longer than 254 characters' };
  return { ok: true, address, normalized, domain: ascii };
}

/** A mailbox as people write it, split: `Name <a@b>`, `"Na, me" <a@b>` or a bare `a@b` (From headers, CSV cells). */
export function parseMailbox(from: string): { name: string | null; address: string } {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^<>\s]+)>\s*$/.exec(from);
  if (!m) return { name: null, address: from.trim() };
  const name = (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '')).trim();
  return { name: name || null, address: m[3] ?? '' };
}
