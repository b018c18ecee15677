import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { encodeWords, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import { parseMailbox } from '../_shared/address.ts';
import { remembered } from '../_shared/remembered.ts';
import { type QpBody, qpBodySize, writeQpBody } from './qp.ts';

/**
 * Writes a multipart/alternative message (plain text, then HTML, both UTF-8 in quoted-printable,
 * already encoded: see prepared.ts) straight to bytes. Nodemailer's MailComposer spends about
 * 1.5 ms of CPU per message, most of the cost of a send; this does the same job for one fixed shape
 * in a fraction of that, and Nodemailer then sends (and DKIM-signs) the raw bytes. Headers are RFC 2047-encoded and folded by Nodemailer's own
 * helpers; control characters never reach a header.
 */
export interface RawParts {
  /** The From header's value, `Name <address>` or an address. */
  from: string;
  to: { name: string | null; address: string };
  subject: string;
  messageId: string;
  date: Date;
  /** This message's own headers (cleaned and folded here). */
  headers: Record<string, string>;
  /** Headers every message of the campaign carries, as `headerLines` wrote them once. */
  shared: string;
  text: QpBody;
  html: QpBody;
}

const CRLF = '\r\n';

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function clean(value: string): string {
  if (!hasControl(value)) return value.trim();
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || c === 0x7f ? ' ' : ch;
  }
  return out.trim();
}

function header(name: string, value: string): string {
  const v = clean(value);
  return foldLines(`${name}: ${isPlainText(v) ? v : encodeWords(v, 'Q', 52)}`, 76);
}

export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 || isAscii(address)
    ? address
    : `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function mailbox(name: string | null, address: string): string {
  const a = asciiAddress(clean(address));
  const n = name ? clean(name) : '';
  if (!n) return a;
  return `${isPlainText(n) ? quoteString(n) : encodeWords(n, 'Q', 52, true)} <${a}>`;
}

/** Header fields as lines, each value cleaned of control characters and folded at 76 columns. */
export function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => foldLines(`${k}: ${clean(v)}`, 76))
    .join(CRLF);
}

const dateLine = remembered(
  (second: number) => `Date: ${new Date(second * 1000).toUTCString().replace('GMT', '+0000')}`,
);
const subjectLine = remembered((subject: string) => header('Subject', subject));
// The display name quoted (RFC 5322), so `Korner, Bruxelles` stays one mailbox.
const fromLine = remembered((from: string) => {
  const { name, address } = parseMailbox(from);
  return foldLines(`From: ${mailbox(name, address)}`, 76);
});

/**
 * A boundary no body can contain: bodies are quoted-printable, in which `=` is always followed by
 * two hex digits or a line break, never by `_`. Unique per process and message without asking the
 * kernel for random bytes each time.
 */
const BOUNDARY_PREFIX = `=_numero-${randomBytes(8).toString('hex')}-`;
let boundaries = 0;

/** `alloc` gives the buffer of the message's exact size (the worker's reuses blocks: raw-buffers.ts). */
export function buildRaw(p: RawParts, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`;
  const lines = [
    fromLine(p.from),
    foldLines(`To: ${mailbox(p.to.name, p.to.address)}`, 76),
    subjectLine(p.subject),
    dateLine(Math.floor(p.date.getTime() / 1000)),
    `Message-ID: ${clean(p.messageId)}`,
    'MIME-Version: 1.0',
    headerLines(p.headers),
    ...(p.shared ? [p.shared] : []),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    // The text part is flowed at 78 columns (RFC 3676): clients reflow it to their width.
    'Content-Type: text/plain; charset=utf-8; format=flowed',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '',
  ];
  const head = lines.join(CRLF);
  const middle = `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
  const tail = `--${boundary}--${CRLF}`;
  const size =
    Buffer.byteLength(head, 'utf8') + qpBodySize(p.text) + middle.length + qpBodySize(p.html) + tail.length;
  const out = alloc(size);
  let pos = out.write(head, 0, 'utf8');
  pos = writeQpBody(p.text, out, pos);
  pos += out.write(middle, pos, 'latin1');
  pos = writeQpBody(p.html, out, pos);
  pos += out.write(tail, pos, 'latin1');
  if (pos !== size) throw new Error(`MIME size ${pos} ≠ ${size}`);
  return out;
}
