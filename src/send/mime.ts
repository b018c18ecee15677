import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { encodeWords, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';

/**
 * Writes a multipart/alternative message (plain text, then HTML, both UTF-8 in base64) straight to
 * bytes. Nodemailer's MailComposer spends about 1.5 ms of CPU per message, most of the cost of a
 * send; this does the same job for one fixed shape in a fraction of that, and Nodemailer then sends
 * (and DKIM-signs) the raw bytes. Headers are RFC 2047-encoded and folded by Nodemailer's own
 * helpers; control characters never reach a header.
 */
export interface RawParts {
  from: { name: string | null; address: string };
  to: { name: string | null; address: string };
  subject: string;
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  text: string;
  html: string;
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

/** The size of `bytes` bytes in base64 lines of 76, each ended by CRLF (RFC 2045). */
function base64LinesSize(bytes: number): number {
  const chars = Math.ceil(bytes / 3) * 4;
  return chars + Math.ceil(chars / 76) * 2;
}

/**
 * Writes `src` as base64 in lines of 76 into `out` at `pos`, 57 bytes (one line) at a time, and
 * returns the new position. Straight into the message's one buffer: no base64 copy of the body, no
 * joined strings (a regex over the base64 text had cost 5 % of a worker's CPU, joining strings and
 * re-encoding the whole message another 5 %, intermediate buffers a share of its GC).
 */
function writeBase64Lines(src: Buffer, out: Buffer, pos: number): number {
  let at = pos;
  for (let i = 0; i < src.length; i += 57) {
    at += out.write(src.toString('base64', i, Math.min(i + 57, src.length)), at, 'latin1');
    out[at++] = 13;
    out[at++] = 10;
  }
  return at;
}

/**
 * A boundary no body can contain (bodies are base64, which has no `-` or `=` runs like this), unique
 * per process and message without asking the kernel for random bytes each time.
 */
const BOUNDARY_PREFIX = `numero-${randomBytes(8).toString('hex')}-`;
let boundaries = 0;

export function buildRaw(p: RawParts): Buffer {
  const boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`;
  const lines = [
    // The display name quoted (RFC 5322), so `Korner, Bruxelles` stays one mailbox.
    foldLines(`From: ${mailbox(p.from.name, p.from.address)}`, 76),
    foldLines(`To: ${mailbox(p.to.name, p.to.address)}`, 76),
    header('Subject', p.subject),
    `Date: ${p.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${clean(p.messageId)}`,
    'MIME-Version: 1.0',
    ...Object.entries(p.headers).map(([k, v]) => foldLines(`${k}: ${clean(v)}`, 76)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    // The text part is flowed at 78 columns (RFC 3676): clients reflow it to their width.
    'Content-Type: text/plain; charset=utf-8; format=flowed',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ];
  const head = lines.join(CRLF);
  const middle = `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}`;
  const tail = `--${boundary}--${CRLF}`;
  const text = Buffer.from(p.text, 'utf8');
  const html = Buffer.from(p.html, 'utf8');
  const size =
    Buffer.byteLength(head, 'utf8') +
    base64LinesSize(text.length) +
    middle.length +
    base64LinesSize(html.length) +
    tail.length;
  const out = Buffer.allocUnsafe(size);
  let pos = out.write(head, 0, 'utf8');
  pos = writeBase64Lines(text, out, pos);
  pos += out.write(middle, pos, 'latin1');
  pos = writeBase64Lines(html, out, pos);
  pos += out.write(tail, pos, 'latin1');
  if (pos !== size) throw new Error(`MIME size ${pos} ≠ ${size}`);
  return out;
}
