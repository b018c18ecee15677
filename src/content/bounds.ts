import type { Diagnostic } from '../errors.ts';

/**
 * Limits an issue must stay within before the Markdown parser sees it, checked in one linear pass:
 * a parser given 10,000 nested list levels (or 200,000 brackets) works for minutes or overflows its
 * stack, and the preview waits meanwhile. Each limit is far above what a newsletter needs (the
 * longest numéro here is 30 KB, 3 levels deep) and each refusal names the line.
 */
export const ISSUE_LIMITS = {
  /** The whole file, in bytes: a weekly numéro is tens of KB. */
  bytes: 2 * 1024 * 1024,
  /** Characters on one line: a paragraph written on one line, with its links, is a few thousand. */
  lineChars: 20_000,
  /** Lists and quotes inside one another. */
  depth: 20,
  /** Opening brackets, emphasis and code markers in one paragraph: link and emphasis parsing grows with them. */
  delimiters: 2_000,
} as const;

export function checkBounds(source: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (line: number, field: string, message: string) =>
    out.push({ severity: 'error', file, line, field, message });
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > ISSUE_LIMITS.bytes) {
    error(
      1,
      'size',
      `the issue is ${(bytes / 1048576).toFixed(1)} MB: at most ${ISSUE_LIMITS.bytes / 1048576} MB`,
    );
    return out;
  }
  let lineNo = 0;
  let start = 0;
  let delimiters = 0;
  let paragraphStart = 1;
  let fence: string | null = null;
  while (start <= source.length) {
    lineNo++;
    const nl = source.indexOf('\n', start);
    const end = nl < 0 ? source.length : nl;
    const length = end - start;
    if (length > ISSUE_LIMITS.lineChars) {
      error(lineNo, 'line', `line ${lineNo} has ${length} characters: at most ${ISSUE_LIMITS.lineChars}`);
      return out;
    }
    // Inside a fenced code block the text is code: its indentation and markers are not Markdown.
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(source.slice(start, Math.min(end, start + 40)))?.[1];
    if (fence !== null) {
      if (opening?.startsWith(fence)) fence = null;
      if (nl < 0) break;
      start = nl + 1;
      continue;
    }
    if (opening) fence = opening.slice(0, 3);
    const depth = nesting(source, start, end);
    if (depth > ISSUE_LIMITS.depth) {
      error(
        lineNo,
        'nesting',
        `lists or quotes nested ${depth} levels deep on line ${lineNo}: at most ${ISSUE_LIMITS.depth}`,
      );
      return out;
    }
    let blank = true;
    for (let i = start; i < end; i++) {
      const c = source.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) blank = false;
      // [ * _ ` ~ <
      if (c === 0x5b || c === 0x2a || c === 0x5f || c === 0x60 || c === 0x7e || c === 0x3c) delimiters++;
    }
    if (blank) {
      delimiters = 0;
      paragraphStart = lineNo + 1;
    } else if (delimiters > ISSUE_LIMITS.delimiters) {
      error(
        paragraphStart,
        'markup',
        `the paragraph from line ${paragraphStart} has more than ${ISSUE_LIMITS.delimiters} brackets and emphasis markers: split it`,
      );
      return out;
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** How many lists and quotes a line opens or continues: `>` markers, list markers, and indentation (4 columns a level). */
function nesting(s: string, start: number, end: number): number {
  let depth = 0;
  let columns = 0;
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      columns++;
      i++;
    } else if (c === 0x09) {
      columns += 4;
      i++;
    } else if (c === 0x3e) {
      depth++;
      i++;
    } else if ((c === 0x2d || c === 0x2a || c === 0x2b) && (s.charCodeAt(i + 1) === 0x20 || i + 1 === end)) {
      depth++;
      i += 2;
    } else if (c >= 0x30 && c <= 0x39) {
      let j = i;
      while (j < end && j - i < 9 && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
      const m = s.charCodeAt(j);
      if ((m === 0x2e || m === 0x29) && (s.charCodeAt(j + 1) === 0x20 || j + 1 === end)) {
        depth++;
        i = j + 2;
      } else break;
    } else break;
  }
  return depth + Math.floor(columns / 4);
}
