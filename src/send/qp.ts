/**
 * Quoted-printable (RFC 2045 §6.7) in runs that can be joined: each run starts at the beginning of
 * a line and ends with a line break, hard (the text's own `\n`, as CRLF) or soft (`=` CRLF, which
 * decoders remove). So a part's fixed text is encoded once per campaign and each reader's merge
 * values alone per message, and their concatenation is a valid body that decodes to the filled
 * template, byte for byte. Lines stay within 76 characters; `=`, control characters and every
 * non-ASCII byte are escaped; a space or tab before a line break or the end of a run is escaped too,
 * so no line ever ends in white space that a relay could strip.
 */

const HEX = '0123456789ABCDEF';
const CR = 13;
const LF = 10;
const EQ = 61;
const SP = 32;
const TAB = 9;
/** Characters on a line before a soft break's `=`, which makes 76 (RFC 2045). */
const LINE = 75;

/** Written byte by byte into a growing buffer; the result is copied out at its exact size. */
class Out {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, size));
  }
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
  byte(b: number): void {
    this.buf[this.len++] = b;
  }
  escape(b: number): void {
    this.buf[this.len++] = EQ;
    this.buf[this.len++] = HEX.charCodeAt(b >> 4);
    this.buf[this.len++] = HEX.charCodeAt(b & 15);
  }
}

/**
 * One run of `text` as quoted-printable, ending with a line break (soft unless the text itself ends
 * with a line break). An empty text is an empty run.
 */
export function qpRun(text: string): Buffer {
  if (text === '') return Buffer.alloc(0);
  if (text.length <= LINE && isPlainLine(text)) return Buffer.from(`${text}=\r\n`, 'latin1');
  const src = Buffer.from(text, 'utf8');
  // Worst case every byte escaped, plus a soft break per 25 escapes, plus the final break.
  const out = new Out(src.length + (src.length >> 3) + 8);
  let col = 0;
  const soft = () => {
    out.byte(EQ);
    out.byte(CR);
    out.byte(LF);
    col = 0;
  };
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number;
    out.room(8);
    if (b === LF || (b === CR && src[i + 1] === LF)) {
      if (b === CR) i++;
      out.byte(CR);
      out.byte(LF);
      col = 0;
      continue;
    }
    const next = src[i + 1];
    const literal =
      (b > SP && b < 127 && b !== EQ) ||
      ((b === SP || b === TAB) && next !== undefined && next !== LF && next !== CR);
    const width = literal ? 1 : 3;
    if (col + width > LINE) soft();
    if (literal) out.byte(b);
    else out.escape(b);
    col += width;
  }
  const last = src[src.length - 1];
  if (last !== LF) {
    out.room(3);
    soft();
  }
  return Buffer.from(out.buf.subarray(0, out.len));
}

/** Printable ASCII without `=`, not ending in a space: one line, as it is (most merge values). */
function isPlainLine(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= SP || c >= 127 || c === EQ) {
      if (c !== SP || i === text.length - 1) return false;
    }
  }
  return true;
}

/** A body as joined runs: the buffers in order and their total size in bytes. */
export interface QpBody {
  chunks: readonly Buffer[];
  size: number;
}

/** A whole text as a one-run body (a test copy, a message built once). */
export function qpBody(text: string): QpBody {
  const run = qpRun(text);
  return { chunks: [run], size: run.length };
}

/**
 * Writes `body` into `out` at `pos` and returns the new position. The body's last line break is
 * written as a plain CRLF (the one before the next boundary): a soft break there would leave a
 * dangling `=` at the end of the part.
 */
export function writeQpBody(body: QpBody, out: Buffer, pos: number): number {
  const last = lastRun(body);
  let at = pos;
  for (const c of body.chunks) {
    if (c !== last) at += c.copy(out, at);
    else if (isSoft(c)) {
      at += c.copy(out, at, 0, c.length - 3);
      out[at++] = CR;
      out[at++] = LF;
    } else at += c.copy(out, at);
  }
  if (!last) {
    out[at++] = CR;
    out[at++] = LF;
  }
  return at;
}

function lastRun(body: QpBody): Buffer | undefined {
  for (let i = body.chunks.length - 1; i >= 0; i--) if (body.chunks[i]?.length) return body.chunks[i];
  return undefined;
}

const isSoft = (run: Buffer) => run[run.length - 3] === EQ;

/** The bytes writeQpBody writes for `body`. */
export function qpBodySize(body: QpBody): number {
  const last = lastRun(body);
  if (!last) return 2;
  return isSoft(last) ? body.size - 1 : body.size;
}
