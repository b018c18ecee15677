import type { Element, ElementContent, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import { toFlowed } from './flowed.ts';
import type { Fragment } from './fragments.ts';
import type { IssueView } from './view.ts';

/**
 * The plain-text part, built from the same view as the HTML so both parts say the same thing.
 * Headings keep their case (upper-casing would also upper-case merge fields), links read
 * `text [url]`, a table becomes one line per row (`2023 — Exportations : 78 700 M$ ; …`), and the
 * whole is format=flowed at 78 columns (see flowed.ts), never broken inside a URL or a merge field.
 */
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'image', options: { linkBrackets: false } },
    { selector: 'ul', options: { itemPrefix: '• ' } },
  ],
};

function fragmentText(f: Fragment, lang: string): string {
  const linkedImage = /<a\b[^>]*>\s*<img\b/.test(f.html);
  let root: Root | null = null;
  if (f.html.includes('<table')) root = tablesAsRows(f.hast, lang);
  if (linkedImage) root = imageLinksAsText(root ?? f.hast);
  const html = (root ? toHtml(root) : f.html)
    // A footnote reference reads [1] in plain text (a superscript 1 would glue to the word).
    .replace(/<sup\b[^>]*>\s*<a href="#note-(\d+)"[^>]*>\d+<\/a>\s*<\/sup>/g, '[$1]');
  // Blank lines around go, but not the first line's indent: a numbered list reads " 1." … " 10."
  // aligned, and trimming it left "1." alone out of line with the items after it.
  return convert(html, OPTIONS)
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

/**
 * A link around an image (a video's thumbnail) reads `alt [link]` in plain text: one link, the one
 * the reader clicks, instead of the image's address glued to the link's.
 */
function imageLinksAsText(root: Root): Root {
  const replace = (nodes: ElementContent[]): ElementContent[] =>
    nodes.map((n) => {
      if (n.type !== 'element') return n;
      const inner = n.children.filter((c) => !(c.type === 'text' && !c.value.trim()));
      const only = inner[0];
      if (n.tagName === 'a' && inner.length === 1 && only?.type === 'element' && only.tagName === 'img') {
        const alt = String(only.properties.alt ?? '').trim();
        return { ...n, children: [{ type: 'text', value: alt || 'image' }] };
      }
      return { ...n, children: replace(n.children) };
    });
  return { ...root, children: replace(root.children as ElementContent[]) as Root['children'] };
}

const cellText = (n: ElementContent): string =>
  n.type === 'text' ? n.value : n.type === 'element' ? n.children.map(cellText).join('') : '';

const rowsOf = (table: Element): Element[] =>
  table.children.flatMap((c) =>
    c.type !== 'element'
      ? []
      : c.tagName === 'tr'
        ? [c]
        : c.children.filter((r): r is Element => r.type === 'element' && r.tagName === 'tr'),
  );

/** Each table as a list: one item per body row, each value named by its column's heading. */
function tablesAsRows(root: Root, lang: string): Root {
  const colon = lang.startsWith('fr') ? '\u00A0: ' : ': ';
  const semi = lang.startsWith('fr') ? '\u00A0; ' : '; ';
  const replace = (nodes: ElementContent[]): ElementContent[] =>
    nodes.map((n) => {
      if (n.type !== 'element') return n;
      if (n.tagName !== 'table') return { ...n, children: replace(n.children) };
      const [head, ...rows] = rowsOf(n);
      const headings = (head?.children ?? [])
        .filter((c) => c.type === 'element')
        .map((c) => cellText(c).trim());
      const items: ElementContent[] = rows.map((r) => {
        const cells = r.children.filter((c) => c.type === 'element').map((c) => cellText(c).trim());
        const [first = '', ...rest] = cells;
        const named = rest.map((v, i) => (headings[i + 1] ? `${headings[i + 1]}${colon}${v}` : v)).join(semi);
        const label = headings[0] ? `${headings[0]} ${first}` : first;
        return {
          type: 'element',
          tagName: 'li',
          properties: {},
          children: [{ type: 'text', value: named ? `${label} — ${named}` : label }],
        };
      });
      return { type: 'element', tagName: 'ul', properties: {}, children: items };
    });
  return { ...root, children: replace(root.children as ElementContent[]) as Root['children'] };
}

function heading(title: string, char: '=' | '-'): string {
  return `${title}\n${char.repeat(Math.max(3, [...title].length))}`;
}

export function renderText(view: IssueView): string {
  const out: string[] = [];
  const colon = view.lang.startsWith('fr') ? '\u00A0:' : ':';
  const masthead = [view.newsletter.name, view.numeroLabel, view.dateLabel].filter(Boolean).join(' — ');
  out.push(masthead, '', heading(view.title, '='), view.byline);
  if (view.intro) out.push('', fragmentText(view.intro, view.lang));
  for (const s of view.sections) out.push('', '', heading(s.title, '-'), '', fragmentText(s.body, view.lang));
  if (view.aside)
    out.push('', '', heading(view.aside.title, '-'), '', fragmentText(view.aside.body, view.lang));
  if (view.conclusion)
    out.push('', '', heading(view.conclusion.title, '-'), '', fragmentText(view.conclusion.body, view.lang));
  if (view.notes) {
    out.push('', '', heading(view.notes.title, '-'), '');
    for (const n of view.notes.items) out.push(fragmentText(n.body, view.lang), '');
  }
  if (view.related) {
    out.push('', '', heading(view.related.title, '-'), '');
    for (const item of view.related.items) {
      const date = item.dateLabel ? ` (${item.dateLabel})` : '';
      out.push(`* ${item.headline}${date}`, `  ${item.teaser}`);
      if (item.url) out.push(`  ${item.url}`);
    }
  }
  out.push(
    '',
    '',
    '-- ',
    `${view.newsletter.publisher} · ${view.newsletter.postalAddress}`,
    view.labels.why,
    `${view.labels.viewInBrowser}${colon} ${view.links.browser}`,
    `${view.labels.preferences}${colon} ${view.links.preferences}`,
    `${view.labels.unsubscribe}${colon} ${view.links.unsubscribe}`,
  );
  return `${toFlowed(out.join('\n'))}\n`;
}
