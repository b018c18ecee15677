import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { FootnoteReference, Root as MdRoot } from 'mdast';
import { toHast } from 'mdast-util-to-hast';
import { SKIP, visit } from 'unist-util-visit';
import type { Blocks } from '../content/issue.ts';
import { theme } from './theme.ts';

/** A run of Markdown blocks turned into email-safe HTML: every style inline, a class for dark mode. */
export interface Fragment {
  hast: HastRoot;
  html: string;
}

const c = theme.light;
// Long URLs and words break instead of widening the message (overflow-wrap for today's clients,
// word-break for older WebKit and Outlook.com).
const wrap = 'overflow-wrap:break-word;word-wrap:break-word;word-break:break-word';
const body = `font-family:${theme.fontBody};font-size:17px;line-height:1.6;color:${c.ink};${wrap}`;
const mono = 'font-family:Menlo,Consolas,monospace';
const cell = `font-family:${theme.fontBody};font-size:15px;line-height:1.5;color:${c.ink};overflow-wrap:normal;word-break:normal`;

/** Inline style and dark-mode class per element. Clients that strip <style> still get these. */
const STYLES: Record<string, [style: string, className?: string]> = {
  p: [`margin:0 0 16px;${body}`, 'n-ink'],
  ul: ['margin:0 0 16px;padding:0 0 0 24px'],
  ol: ['margin:0 0 16px;padding:0 0 0 24px'],
  li: [`margin:0 0 6px;${body}`, 'n-ink'],
  h3: [
    `margin:24px 0 8px;font-family:${theme.fontUi};font-size:18px;line-height:1.3;color:${c.ink}`,
    'n-ink',
  ],
  h4: [
    `margin:20px 0 8px;font-family:${theme.fontUi};font-size:16px;line-height:1.3;color:${c.ink}`,
    'n-ink',
  ],
  a: [`color:${c.accent};text-decoration:underline;${wrap}`, 'n-link'],
  blockquote: [`margin:0 0 16px;padding:4px 0 4px 16px;border-left:4px solid ${c.gold};font-style:italic`],
  img: ['display:block;width:100%;max-width:100%;height:auto;border:0;margin:0 0 16px'],
  hr: [`border:0;border-top:1px solid ${c.rule};margin:24px 0`, 'n-rule'],
  table: ['width:100%;border-collapse:collapse;margin:0;table-layout:auto'],
  // Cells break between words only: `break-word` would let a browser shrink a column of a wide table
  // to one letter per line on a phone; instead the table grows wider and scrolls in its box.
  th: [`${cell};text-align:left;padding:6px;border-bottom:2px solid ${c.rule}`, 'n-ink'],
  td: [`${cell};padding:6px;border-bottom:1px solid ${c.rule}`, 'n-ink'],
  // Code wraps inside its own box: a 120-character line never widens the message.
  pre: [
    `${mono};font-size:14px;line-height:1.5;white-space:pre-wrap;${wrap};background-color:${c.box};color:${c.ink};padding:12px;margin:0 0 16px;border-radius:4px;max-width:100%`,
    'n-box n-ink',
  ],
  code: [`${mono};font-size:15px;${wrap}`],
};

/** Blocks of prose whose direction follows their own text (dir="auto"). */
const TEXT_BLOCKS = new Set(['p', 'li', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'td', 'th']);

/** A table wider than a phone scrolls inside this box instead of widening the message. */
const TABLE_BOX = 'width:100%;max-width:100%;overflow-x:auto;margin:0 0 16px';
/** Numbers, amounts and percentages stay on one line (`120 000`, `−3,3 %`). */
const NUMERIC = /^[\d\s\u00A0\u202F.,:%+\-−$€£₸]+(?:\s?(?:M\$|Md|k|M|%))?$/u;

/** Rewrites a link or image target written relative to the issue file into an absolute URL. */
export type UrlResolver = (url: string) => string;

/** True for targets that name a file next to the issue (not a scheme, anchor or merge field). */
export function isRelativeUrl(url: string): boolean {
  return url !== '' && !/^([a-z][a-z\d+.-]*:|#|\/\/|\{\{|%7B%7B)/i.test(url);
}

/**
 * Whether a link or image target may reach a reader: https, http, mailto, tel, an anchor, a merge
 * field or a relative file. `javascript:`, `data:`, `vbscript:` and every other scheme are refused
 * (spaces and control characters, which browsers ignore inside a scheme, are ignored here too).
 */
export function isSafeUrl(url: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers strip these inside a scheme
  const u = url.replace(/[\u0000-\u0020\u007f]/g, '');
  if (u.startsWith('//')) return false;
  return isRelativeUrl(u) || u.startsWith('#') || /^(https?:|mailto:|tel:|\{\{|%7B%7B)/i.test(u);
}

/** A footnote reference, numbered for the whole issue by the parser: a superscript link to its note. */
const handlers = {
  footnoteReference(_state: unknown, node: FootnoteReference): Element {
    const n = String((node.data as { footnoteNumber?: number } | undefined)?.footnoteNumber ?? '?');
    return {
      type: 'element',
      tagName: 'sup',
      properties: { style: 'font-size:12px;line-height:0' },
      children: [
        {
          type: 'element',
          tagName: 'a',
          properties: { href: `#note-${n}` },
          children: [{ type: 'text', value: n }],
        },
      ],
    };
  },
};

export function toFragment(blocks: Blocks, resolve: UrlResolver = (u) => u): Fragment {
  const mdRoot: MdRoot = { type: 'root', children: blocks };
  const hast = toHast(mdRoot, { handlers: handlers as never }) as HastRoot;
  visit(hast, 'element', (el: Element, _index, parent) => {
    for (const attr of ['href', 'src'] as const) {
      const v = el.properties[attr];
      // A template never emits a dangerous target, whatever check said: the link stays as text.
      if (typeof v === 'string' && !isSafeUrl(v)) delete el.properties[attr];
      else if (typeof v === 'string' && isRelativeUrl(v)) el.properties[attr] = resolve(v);
    }
    const entry = STYLES[el.tagName];
    if (entry) {
      el.properties.style = entry[0];
      if (entry[1]) el.properties.className = [entry[1]];
    }
    if (el.tagName === 'a' && !String(el.properties.href ?? '').startsWith('#'))
      el.properties.target = '_blank';
    // A paragraph in Arabic or Hebrew inside a French issue runs right to left, by its own words.
    if (TEXT_BLOCKS.has(el.tagName)) el.properties.dir = 'auto';
    if ((el.tagName === 'td' || el.tagName === 'th') && NUMERIC.test(textOf(el).trim()))
      el.properties.style = `${String(el.properties.style)};white-space:nowrap`;
    // The code of a block is styled by its <pre>: no second font size inside.
    if (el.tagName === 'code' && parent?.type === 'element' && parent.tagName === 'pre')
      el.properties.style = 'font-family:inherit;font-size:inherit';
    // Markdown list items wrap their text in <p> when loose; keep them tight in email.
    if (el.tagName === 'li') el.children = el.children.flatMap(unwrapParagraph);
  });
  visit(hast, 'element', (el: Element, index, parent) => {
    if (el.tagName !== 'table' || !parent || index === undefined) return;
    parent.children[index] = {
      type: 'element',
      tagName: 'div',
      properties: { style: TABLE_BOX, className: ['n-table'] },
      children: [el],
    };
    return [SKIP, index + 1];
  });
  return { hast, html: toHtml(hast) };
}

function textOf(el: Element): string {
  return el.children
    .map((c) => (c.type === 'text' ? c.value : c.type === 'element' ? textOf(c) : ''))
    .join('');
}

function unwrapParagraph(child: ElementContent): ElementContent[] {
  return child.type === 'element' && child.tagName === 'p' ? child.children : [child];
}

/** A footnote: its number first, in smaller, muted text, with the anchor its references point to. */
export function toNoteFragment(number: number, blocks: Blocks, resolve?: UrlResolver): Fragment {
  const f = toFragment(blocks, resolve);
  let first = true;
  visit(f.hast, 'element', (el: Element) => {
    if (el.tagName !== 'p' && el.tagName !== 'li') return;
    el.properties.style = String(el.properties.style)
      .replace('font-size:17px', 'font-size:14px')
      .replace(`color:${c.ink}`, `color:${theme.light.muted}`);
    el.properties.className = ['n-muted'];
    if (first && el.tagName === 'p') {
      first = false;
      el.properties.id = `note-${number}`;
      el.children.unshift({ type: 'text', value: `${number}. ` });
    }
  });
  return { hast: f.hast, html: toHtml(f.hast) };
}
