import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { NumeroError } from '../errors.ts';

/**
 * Reading a CSV file as spreadsheets and mailing tools write it, without losing a row: the
 * encoding (UTF-8 with or without BOM, UTF-16 from Excel's "Unicode text", or Windows-1252 when the
 * bytes are not UTF-8), the delimiter (`,` `;` or tab), quotes inside unquoted cells, and a quote
 * opened and never closed, which costs its own line and never the rows after it.
 */

export interface CsvRecord {
  /** The file line the record starts on (1 = header). */
  line: number;
  cells: string[];
}

export interface CsvProblem {
  line: number;
  reason: string;
}

export interface OpenedCsv {
  /** The encoding the bytes were read in, and whether it was guessed (not UTF-8, not forced). */
  encoding: string;
  guessedEncoding: boolean;
  delimiter: string;
  /** Every record, header first, in file order; broken lines are passed to onProblem instead. */
  records(onProblem: (p: CsvProblem) => void): AsyncIterable<CsvRecord>;
  /** Bytes of the (UTF-8) file read so far, for progress. */
  bytesRead(): number;
  size: number;
  close(): void;
}

/** The largest record read, in characters. */
export const MAX_RECORD_BYTES = 1_000_000;

/** Past this many broken quotes the file is not the CSV it seems to be (wrong delimiter, or not CSV). */
export const MAX_BROKEN_QUOTES = 100;

export async function openCsv(
  file: string,
  opts: { encoding?: string | undefined } = {},
): Promise<OpenedCsv> {
  if (!fs.existsSync(file)) throw new NumeroError('USAGE', `${file}: no such file`);
  if (!fs.statSync(file).isFile())
    throw new NumeroError('USAGE', `${file}: not a file (a CSV file is expected)`);
  if (opts.encoding && !iconv.encodingExists(opts.encoding))
    throw new NumeroError(
      'USAGE',
      `--encoding ${opts.encoding}: unknown encoding (utf-8, windows-1252, utf-16le…)`,
    );

  const detected = opts.encoding ? null : await detectEncoding(file);
  const encoding = normalizeEncoding(opts.encoding ?? detected ?? 'utf-8');
  let utf8File = file;
  let temp: string | null = null;
  if (encoding !== 'utf-8') {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-import-'));
    utf8File = path.join(temp, 'utf8.csv');
    await transcode(file, utf8File, encoding);
  }
  const delimiter = detectDelimiter(utf8File);
  let read = 0;
  return {
    encoding,
    guessedEncoding: detected !== null && detected !== 'utf-8',
    delimiter,
    size: fs.statSync(utf8File).size,
    bytesRead: () => read,
    records: (onProblem) =>
      readRecords(utf8File, delimiter, onProblem, (n) => {
        read = n;
      }),
    close: () => {
      if (temp) fs.rmSync(temp, { recursive: true, force: true });
    },
  };
}

function normalizeEncoding(e: string): string {
  const v = e.toLowerCase().replace(/_/g, '-');
  return v === 'utf8' ? 'utf-8' : v;
}

/** UTF-16 by its BOM; UTF-8 when every byte sequence is valid UTF-8; else Windows-1252. */
async function detectEncoding(file: string): Promise<string> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  // isUtf8 checks bytes without building strings (a pass over a 60 MB file costs tens of ms and no
  // memory); a sequence cut by the chunk's end is carried over to the next chunk.
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes: Buffer = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const cut = incompleteTail(bytes);
    if (!isUtf8(bytes.subarray(0, cut))) return 'windows-1252';
    carry = Buffer.from(bytes.subarray(cut));
  }
  return carry.length ? 'windows-1252' : 'utf-8';
}

/** Where a UTF-8 sequence that the buffer's end cuts short begins (the length when none is). */
function incompleteTail(b: Buffer): number {
  for (let i = b.length - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const byte = b[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + need > b.length ? i : b.length;
  }
  return b.length;
}

async function transcode(from: string, to: string, encoding: string): Promise<void> {
  const out = fs.createWriteStream(to);
  const decoder = iconv.getDecoder(encoding);
  for await (const chunk of fs.createReadStream(from, { highWaterMark: 1 << 20 })) {
    const text = decoder.write(chunk as Buffer);
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  const rest = decoder.end();
  await new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.end(rest ?? '', resolve);
  });
}

/**
 * The delimiter of a CSV as spreadsheets write it: `;` (French and German Excel), a tab, or `,`,
 * whichever the header line holds most of outside quotes.
 */
export function detectDelimiter(file: string): string {
  const first = readLineAt(file, 0).text.replace(/^\uFEFF/, '');
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of first) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const [best, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [',', 0];
  return count > 0 ? best : ',';
}

/** The line starting at byte `start` (without its line break) and the byte after its line break. */
function readLineAt(file: string, start: number): { text: string; next: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let kept = 0;
    const buf = Buffer.alloc(64 * 1024);
    let pos = start;
    // Only the first 64 KB of a line is kept: a line of 1 GB is skipped, never held in memory.
    const keep = (b: Buffer) => {
      if (kept < 64 * 1024) {
        chunks.push(Buffer.from(b.subarray(0, 64 * 1024 - kept)));
        kept += Math.min(b.length, 64 * 1024 - kept);
      }
    };
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      // A line ends at LF, CRLF, or a lone CR (old Mac files).
      const view = buf.subarray(0, n);
      const lf = view.indexOf(0x0a);
      const cr = view.indexOf(0x0d);
      const nl = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      if (nl >= 0 && !(nl === n - 1 && view[nl] === 0x0d && n === buf.length)) {
        keep(view.subarray(0, nl));
        pos += nl + (view[nl] === 0x0d && view[nl + 1] === 0x0a ? 2 : 1);
        return { text: Buffer.concat(chunks).toString('utf8'), next: pos };
      }
      // A CR at the very end of the buffer may be the first half of a CRLF: read on from it.
      const upTo = view[n - 1] === 0x0d ? n - 1 : n;
      keep(view.subarray(0, upTo));
      pos += upTo;
      if (upTo === 0) {
        pos += 1;
        break;
      }
    }
    return { text: Buffer.concat(chunks).toString('utf8'), next: pos };
  } finally {
    fs.closeSync(fd);
  }
}

const ADDRESS_LIKE = /^[^\s@"<>]+@[^\s@"<>]+\.[^\s@"<>]+$/;

/**
 * A quote opened in one record and closed lines later swallows the rows in between into one cell:
 * a line inside a cell that holds an address of its own is such a row, never a multi-line note.
 */
function swallowsRows(cells: string[], delimiter: string): boolean {
  for (const cell of cells) {
    if (!cell.includes('\n')) continue;
    for (const line of cell.split('\n').slice(1)) {
      for (const part of line.split(delimiter)) {
        const v = part.trim().replace(/^"+|"+$/g, '');
        if (ADDRESS_LIKE.test(v)) return true;
      }
    }
  }
  return false;
}

async function* readRecords(
  file: string,
  delimiter: string,
  onProblem: (p: CsvProblem) => void,
  onBytes: (n: number) => void,
): AsyncGenerator<CsvRecord> {
  let start = 0;
  let lineBase = 0;
  let broken = 0;
  for (;;) {
    const input = fs.createReadStream(file, { start, highWaterMark: 256 * 1024 });
    const parser = input.pipe(
      parse({
        bom: start === 0,
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
        delimiter,
        info: true,
        // A record over 1 MB is not a subscriber: refused alone, and the next row is still read
        // (a 1 GB line once ended in "Cannot create a string longer than…" and lost the row after it).
        max_record_size: MAX_RECORD_BYTES,
      }),
    );
    // Where the last good record ended: a broken one starts there.
    let endBytes = 0;
    let endLine = 0;
    let restartAt: { bytes: number; lines: number } | null = null;
    let failure = '';
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { lines: number; bytes: number };
      }>) {
        if (swallowsRows(record, delimiter)) {
          restartAt = { bytes: endBytes, lines: endLine };
          break;
        }
        const line = lineBase + info.lines - innerBreaks(record);
        endBytes = info.bytes;
        endLine = info.lines;
        onBytes(start + endBytes);
        yield { line, cells: trimmed(record) };
      }
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('CSV_')) throw e;
      failure = code;
      restartAt = { bytes: endBytes, lines: endLine };
    } finally {
      input.destroy();
    }
    if (!restartAt) return;
    // The broken record starts on the first non-blank line after the last good one: report that
    // line alone and read on from the next, so that only it is lost.
    let at = start + restartAt.bytes;
    let line = lineBase + restartAt.lines;
    let text = '';
    const size = fs.statSync(file).size;
    do {
      const l = readLineAt(file, at);
      text = l.text;
      at = l.next;
      line++;
    } while (text.trim() === '' && at < size);
    if (++broken > MAX_BROKEN_QUOTES) {
      throw new NumeroError(
        'USAGE',
        `${file}:${line}: more than ${MAX_BROKEN_QUOTES} lines with a quote that is never closed: is the delimiter "${delimiter === '\t' ? 'tab' : delimiter}" right, and is this a CSV file? Nothing after this line was read`,
      );
    }
    onProblem({
      line,
      reason:
        failure === 'CSV_MAX_RECORD_SIZE'
          ? `a row longer than ${MAX_RECORD_BYTES / 1_000_000} MB starts on this line (a quote never closed, or a huge cell): line skipped, the rows after it are read`
          : 'a quote (") opened on this line is not closed where the row ends: line skipped, the rows after it are read',
    });
    start = at;
    lineBase = line;
    onBytes(start);
  }
}

/** Line breaks inside quoted cells: a record spanning lines starts that many lines before it ends. */
function innerBreaks(record: string[]): number {
  let n = 0;
  for (const c of record) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) n++;
  return n;
}

/** Cells without surrounding spaces; the array itself when none has any (the common case: no copy). */
function trimmed(record: string[]): string[] {
  for (let i = 0; i < record.length; i++) {
    const c = record[i] as string;
    if (c.length && (c.charCodeAt(0) <= 32 || c.charCodeAt(c.length - 1) <= 32)) {
      return record.map((x) => x.trim());
    }
  }
  return record;
}
