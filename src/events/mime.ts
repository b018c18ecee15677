import iconv from 'iconv-lite';
import libmime from 'libmime';

/**
 * Just enough MIME to read what comes back: headers (unfolded, encoded words decoded), the part
 * tree of multipart messages, embedded messages (message/rfc822, text/rfc822-headers) and the two
 * transfer encodings. mailparser flattens a report into text and attachments and loses the
 * message/delivery-status part on the way, which is the one part a bounce classifier needs.
 */
export interface MimePart {
  headers: Map<string, string[]>;
  /** Lower-cased type/subtype; text/plain when absent. */
  type: string;
  params: Record<string, string>;
  /** The body after transfer decoding (bytes, in the part's charset). */
  body: Buffer;
  /** Sub-parts of a multipart, or the one parsed message of message/rfc822. */
  parts: MimePart[];
}

const MAX_DEPTH = 8;

export function parseMime(raw: Buffer | string, depth = 0): MimePart {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const { head, body } = splitHead(buf);
  const headers = parseHeaders(head);
  // No Content-Type at all, yet a body in MIME parts ("This is a MIME-encapsulated message"): read it as such.
  const declared =
    first(headers, 'content-type') ?? (looksMultipart(body) ? 'multipart/mixed' : 'text/plain');
  const ct = libmime.parseHeaderValue(declared);
  const type = (ct.value || 'text/plain').toLowerCase().trim();
  const params = Object.fromEntries(
    Object.entries(ct.params ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const encoding = (first(headers, 'content-transfer-encoding') ?? '').toLowerCase().trim();
  const part: MimePart = { headers, type, params, body: decodeBody(body, encoding), parts: [] };
  if (depth >= MAX_DEPTH) return part;
  if (type.startsWith('multipart/')) {
    // A boundary parameter lost to broken folding: the first "--token" line of the body is it.
    const boundary = params.boundary ?? guessBoundary(part.body);
    if (boundary) part.parts = splitMultipart(part.body, boundary).map((p) => parseMime(p, depth + 1));
  } else if (type === 'message/rfc822' || type === 'message/global') {
    part.parts = [parseMime(part.body, depth + 1)];
  } else if (type === 'text/rfc822-headers' || type === 'text/global-headers') {
    part.parts = [parseMime(Buffer.concat([part.body, Buffer.from('\r\n\r\n')]), depth + 1)];
  }
  return part;
}

/** Every part of the tree, depth first, the root included. */
export function allParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const visit = (p: MimePart) => {
    out.push(p);
    for (const c of p.parts) visit(c);
  };
  visit(root);
  return out;
}

/** The first value of a header (name in any case), unfolded, with encoded words decoded. */
export function header(part: MimePart, name: string): string | undefined {
  const v = first(part.headers, name);
  if (v === undefined) return undefined;
  try {
    return libmime.decodeWords(v).trim();
  } catch {
    return v.trim();
  }
}

/** A text part's content as a string, in its declared charset. */
export function textOf(part: MimePart): string {
  const charset = part.params.charset ?? 'utf-8';
  return iconv.encodingExists(charset) ? iconv.decode(part.body, charset) : part.body.toString('utf8');
}

/** Header blocks (`Name: value` lines, blank-line separated): a delivery-status or feedback report. */
export function fieldBlocks(text: string): Array<Map<string, string>> {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const [k, vs] of parseHeaders(block)) if (vs[0] !== undefined) fields.set(k, vs[0]);
      return fields;
    })
    .filter((f) => f.size > 0);
}

function first(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}

function splitHead(buf: Buffer): { head: string; body: Buffer } {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  let at = -1;
  let sep = 0;
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) [at, sep] = [crlf, 4];
  else if (lf >= 0) [at, sep] = [lf, 2];
  if (at < 0) return { head: buf.toString('latin1'), body: Buffer.alloc(0) };
  // Header bytes may be raw UTF-8 (RFC 6532): read them as such.
  return { head: buf.subarray(0, at).toString('utf8'), body: buf.subarray(at + sep) };
}

function parseHeaders(head: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const lines = head.replace(/\r\n/g, '\n').split('\n');
  let current: string | null = null;
  const flush = () => {
    if (current === null) return;
    const i = current.indexOf(':');
    if (i > 0) {
      const name = current.slice(0, i).trim().toLowerCase();
      const list = headers.get(name) ?? [];
      list.push(current.slice(i + 1).trim());
      headers.set(name, list);
    }
    current = null;
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line) && current !== null) current += ` ${line.trim()}`;
    else {
      flush();
      current = line;
    }
  }
  flush();
  return headers;
}

function decodeBody(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64')
    return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') {
    const s = body
      .toString('latin1')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(s, 'latin1');
  }
  return body;
}

function looksMultipart(body: Buffer): boolean {
  // Only a body that opens with its parts (a preamble line or two, then a boundary).
  const b = guessBoundary(body.subarray(0, 512));
  if (!b) return false;
  const at = body.indexOf(`--${b}`);
  return /^--[^\n]*\r?\n(content-[a-z-]+:[^\n]*\r?\n)*content-type:/im.test(
    body.subarray(at, at + 600).toString('latin1'),
  );
}

function guessBoundary(body: Buffer): string | undefined {
  const head = body.subarray(0, 8192).toString('latin1');
  for (const line of head.split('\n', 200)) {
    const m = /^--([^\s]{1,200})\s*$/.exec(line);
    if (m?.[1] && !m[1].endsWith('--')) return m[1];
  }
  return undefined;
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let pos = text.indexOf(delimiter);
  while (pos >= 0) {
    const lineEnd = text.indexOf('\n', pos);
    if (text.startsWith(`${delimiter}--`, pos) || lineEnd < 0) break;
    const next = text.indexOf(`\n${delimiter}`, lineEnd);
    const end = next < 0 ? text.length : next;
    const chunk = text.slice(lineEnd + 1, end).replace(/\r$/, '');
    parts.push(Buffer.from(chunk, 'latin1'));
    if (next < 0) break;
    pos = next + 1;
  }
  return parts;
}
