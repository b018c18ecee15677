import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { Root as MdRoot } from 'mdast';
import { toHast } from 'mdast-util-to-hast';
import { visit } from 'unist-util-visit';
import { theme } from '../../templates/theme.ts';
import type { Blocks } from '../content/issue.ts';

/** A run of Markdown blocks turned into email-safe HTML: every style inline, a class for dark mode. */
export interface Fragment {
  hast: HastRoot;
  html: string;
}

const c = theme.light;
const body = `font-family:${theme.fontBody};font-size:17px;line-height:1.6;color:${c.ink}`;

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
  a: [`color:${c.accent};text-decoration:underline`, 'n-link'],
  blockquote: [`margin:0 0 16px;padding:4px 0 4px 16px;border-left:4px solid ${c.gold};font-style:italic`],
  img: ['display:block;width:100%;max-width:100%;height:auto;border:0;margin:0 0 16px'],
  hr: [`border:0;border-top:1px solid ${c.rule};margin:24px 0`, 'n-rule'],
  table: ['width:100%;border-collapse:collapse;margin:0 0 16px'],
  th: [`${body};text-align:left;padding:6px;border-bottom:2px solid ${c.rule}`, 'n-ink'],
  td: [`${body};padding:6px;border-bottom:1px solid ${c.rule}`, 'n-ink'],
  code: ['font-family:Menlo,Consolas,monospace;font-size:15px'],
};

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

export function toFragment(blocks: Blocks, resolve: UrlResolver = (u) => u): Fragment {
  const mdRoot: MdRoot = { type: 'root', children: blocks };
  const hast = toHast(mdRoot) as HastRoot;
  visit(hast, 'element', (el: Element) => {
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
    if (el.tagName === 'a') el.properties.target = '_blank';
    // Markdown list items wrap their text in <p> when loose; keep them tight in email.
    if (el.tagName === 'li') el.children = el.children.flatMap(unwrapParagraph);
  });
  return { hast, html: toHtml(hast) };
}

function unwrapParagraph(child: ElementContent): ElementContent[] {
  return child.type === 'element' && child.tagName === 'p' ? child.children : [child];
}
