/**
 * Merge fields (`{{firstName}}`, `{{default city "Almaty"}}`, `{{{x}}}`) are Handlebars, not prose:
 * typography must never pair their quotes or space their signs, and Markdown must never split them
 * with emphasis or percent-encode them in a link. Before the issue is parsed, each field is swapped
 * for an opaque token of private-use characters (which neither Markdown, typography nor the
 * templates touch); after, the tokens are swapped back, character for character as the editor
 * wrote them. One linear scan; each field keeps its line for `check`'s messages.
 */
export interface MergeSpan {
  /** As written, braces included. */
  raw: string;
  line: number;
  column: number;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
/** Token bodies: private-use characters from U+E100, one per digit of base 256. */
const DIGIT0 = 0xe100;

function token(n: number): string {
  return `${OPEN}${String.fromCharCode(DIGIT0 + (n >> 8), DIGIT0 + (n & 0xff))}${CLOSE}`;
}

const TOKEN = /\uE000([\uE100-\uE1FF])([\uE100-\uE1FF])\uE001/g;

export function protectMergeFields(source: string): {
  text: string;
  spans: MergeSpan[];
  /** `{{` opened and not closed on its line. */
  unclosed: Array<{ line: number; column: number }>;
} {
  const spans: MergeSpan[] = [];
  const unclosed: Array<{ line: number; column: number }> = [];
  let out = '';
  let copied = 0;
  let line = 1;
  let lineStart = 0;
  let counted = 0;
  let from = 0;
  for (;;) {
    const open = source.indexOf('{{', from);
    if (open < 0 || spans.length >= 65_535) break;
    for (let i = source.indexOf('\n', counted); i >= 0 && i < open; i = source.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    counted = open;
    const eol = source.indexOf('\n', open);
    const lineEnd = eol < 0 ? source.length : eol;
    const triple = source.startsWith('{{{', open);
    const closing = source.indexOf(triple ? '}}}' : '}}', open + (triple ? 3 : 2));
    if (closing < 0 || closing > lineEnd) {
      // Not closed on its line: left as written, and reported.
      if (unclosed.length < 100) unclosed.push({ line, column: open - lineStart + 1 });
      from = open + 2;
      continue;
    }
    const end = closing + (triple ? 3 : 2);
    spans.push({ raw: source.slice(open, end), line, column: open - lineStart + 1 });
    out += source.slice(copied, open) + token(spans.length - 1);
    copied = end;
    from = end;
    counted = end;
  }
  if (!spans.length) return { text: source, spans, unclosed };
  return { text: out + source.slice(copied), spans, unclosed };
}

/** The text with every token put back as the field it stands for. */
export function restoreMergeFields(text: string, spans: readonly MergeSpan[]): string {
  if (!spans.length || !text.includes(OPEN)) return text;
  return text.replace(TOKEN, (m, hi: string, lo: string) => {
    const n = ((hi.charCodeAt(0) - DIGIT0) << 8) | (lo.charCodeAt(0) - DIGIT0);
    return spans[n]?.raw ?? m;
  });
}

/**
 * Whether the fields read as Handlebars, all together (so `{{#if}}…{{/if}}` pairs): the first
 * problem with the line the editor wrote it on, or null. Handlebars' own message, last line only.
 */
export function mergeSyntaxProblem(
  spans: readonly MergeSpan[],
  parse: (template: string) => unknown,
): { line: number; field: string; message: string } | null {
  if (!spans.length) return null;
  try {
    parse(spans.map((s) => s.raw).join('\n'));
    return null;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    const at = Number(/on line (\d+)/.exec(message)?.[1] ?? 1);
    const span = spans[Math.min(spans.length, Math.max(1, at)) - 1] ?? spans[0];
    const last =
      message
        .split('\n')
        .filter((l) => l.trim())
        .at(-1) ?? message;
    // Handlebars lists the tokens it expected; an editor needs the likely cause.
    const said = /^Expecting /.test(last)
      ? 'Handlebars cannot read it (a quote not closed, a stray brace or comma?)'
      : last.slice(0, 200);
    return { line: span?.line ?? 1, field: span?.raw.slice(0, 80) ?? '', message: said };
  }
}
