/**
 * RFC 3676 format=flowed: lines of at most `width` characters; a line broken for length ends with
 * a space (a soft break, which the reader's client may reflow to its own width), any other line
 * ends without one (a hard break). A URL or a merge field (`{{default city "Almaty"}}`, spaces and
 * all) is never broken: a line holding one may be longer. Lines that begin with a space, `>` or
 * `From ` are space-stuffed, and the signature separator `-- ` is left alone.
 */
// Only plain spaces break: a no-break space (`120 000`, `Kazakhstan ?`) holds its neighbours together.
const TOKEN = /(?:\{\{[\s\S]*?\}\}|[^ ])+/g;

export function toFlowed(text: string, width = 78): string {
  const out: string[] = [];
  const fits = fitsIn(width);
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw === '-- ') {
      out.push(raw);
      continue;
    }
    // A trailing space would make a hard line soft.
    const line = raw.replace(/[ \t]+$/, '');
    if (fits(line, false)) {
      out.push(stuff(line));
      continue;
    }
    const indent = /^ */.exec(line)?.[0] ?? '';
    const tokens = line.slice(indent.length).match(TOKEN) ?? [];
    let current = indent;
    for (const t of tokens) {
      const candidate = current.trim() === '' ? `${current}${t}` : `${current} ${t}`;
      // A soft line keeps its trailing space within the width.
      if (!fits(candidate, true) && current.trim() !== '') {
        out.push(stuff(`${current} `));
        current = t;
      } else current = candidate;
    }
    out.push(stuff(current));
  }
  return out.join('\n');
}

/** Whether a line, once stuffed (and with its trailing space when soft), holds in the width. */
const fitsIn = (width: number) => (line: string, soft: boolean) =>
  [...stuff(soft ? `${line} ` : line)].length <= width;

function stuff(line: string): string {
  return /^( |>|From )/.test(line) ? ` ${line}` : line;
}

/** The text a flowed part carries (soft breaks joined, stuffing removed): what a reader's client shows. */
export function fromFlowed(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let current: string | null = null;
  for (const l of lines) {
    const line = l.startsWith(' ') ? l.slice(1) : l;
    const soft = line.endsWith(' ') && line !== '-- ';
    current = current === null ? line : current + line;
    if (!soft) {
      out.push(current);
      current = null;
    }
  }
  if (current !== null) out.push(current);
  return out.join('\n');
}
