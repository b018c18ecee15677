import Handlebars from 'handlebars';
import type { FootnoteDefinition, Link, Root, RootContent, Yaml } from 'mdast';
import type { ContainerDirective } from 'mdast-util-directive';
import { toString as mdToString } from 'mdast-util-to-string';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import type { Diagnostic } from '../errors.ts';
import { checkBounds } from './bounds.ts';
import type { Article, Newsletter } from './data.ts';
import { parseFrontMatter } from './frontmatter.ts';
import type { Blocks, Box, Footnote, Issue, Section } from './issue.ts';
import { labelsFor } from './labels.ts';
import { type MergeSpan, mergeSyntaxProblem, protectMergeFields, restoreMergeFields } from './merge-spans.ts';
import { typeset } from './typography.ts';

export const DEFAULT_TEMPLATE = 'weekly.tsx';

/** A slug that is a plain file and URL name: never `.`, `..`, a path or an empty name. */
export function isSafeSlug(slug: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/.test(slug) && !slug.includes('..');
}
export const DIRECTIVES = ['aside', 'conclusion'] as const;

const markdown = unified()
  .use(remarkParse)
  .use(remarkFrontmatter, ['yaml'])
  .use(remarkGfm)
  .use(remarkDirective);

export interface ParseContext {
  newsletter: Newsletter;
  articles: ReadonlyMap<string, Article>;
  /** Template file names available in templates/. */
  templates: readonly string[];
}

export type ParseResult =
  | { issue: Issue; diagnostics: Diagnostic[] }
  | { issue: null; diagnostics: Diagnostic[] };

/**
 * Markdown + front matter → Issue. Pure: reads nothing but its arguments.
 *
 * `##` headings open sections; text before the first one is the introduction; `:::aside[Title]` is the
 * "Le saviez-vous ?" box and `:::conclusion` the conclusion. Every problem becomes an error diagnostic
 * with its line; `issue` is null when there is at least one.
 */
export function parseIssue(source: string, file: string, slug: string, ctx: ParseContext): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const error = (line: number | undefined, field: string, message: string) =>
    diagnostics.push({ severity: 'error', file, line, field, message });

  // The file's name is the issue's slug: its web address and its output folder. `...md` would make
  // `..` and write into the folder above.
  if (!isSafeSlug(slug)) {
    error(
      1,
      'file name',
      `"${slug}.md" cannot name an issue: use letters, digits, dashes, underscores and dots, starting with a letter or digit (e.g. 2026-12-05-numero-60.md)`,
    );
    return { issue: null, diagnostics };
  }
  const bounds = checkBounds(source, file);
  if (bounds.length) return { issue: null, diagnostics: bounds };
  // Merge fields become opaque tokens until typography and Markdown are done with the text.
  const { text: guarded, spans, unclosed } = protectMergeFields(source);
  for (const u of unclosed)
    error(
      u.line,
      'merge field',
      `a merge field opened at column ${u.column} ({{) is not closed on its line (}})`,
    );
  let tree: Root;
  try {
    tree = markdown.parse(guarded) as Root;
  } catch (e) {
    // Within the bounds no input should get here; if one does, the author still gets a line, not a stack.
    error(
      1,
      'markdown',
      `the Markdown could not be read (${(e as Error).message.slice(0, 120)}); simplify its nesting`,
    );
    return { issue: null, diagnostics };
  }
  const first = tree.children[0];
  // A field in the front matter is read as YAML reads it: in a double-quoted value, `\"` is a quote.
  const fmEnd = first?.type === 'yaml' ? (first.position?.end.line ?? 0) : 0;
  const asRead = spans.map((sp) =>
    sp.line <= fmEnd ? { ...sp, raw: sp.raw.replace(/\\(["\\])/g, '$1') } : sp,
  );
  const syntax = mergeSyntaxProblem(asRead, (t) => Handlebars.parse(t));
  if (syntax)
    error(
      syntax.line,
      'merge field',
      `${syntax.field} cannot be read: ${syntax.message} (straight quotes around a fallback: {{default city "Almaty"}})`,
    );
  if (first?.type !== 'yaml') {
    error(
      1,
      'front matter',
      'missing: start the file with a --- block holding numero, date, title, subject, preheader, author',
    );
    return { issue: null, diagnostics };
  }
  const fm = parseFrontMatter(
    restoreMergeFields((first as Yaml).value, spans),
    file,
    (first.position?.start.line ?? 1) + 1,
  );
  if (!fm.ok) diagnostics.push(...fm.diagnostics);
  const lang = fm.ok ? fm.data.lang : 'fr';
  const labels = labelsFor(lang);

  typesetTree(tree, lang);
  restoreTree(tree, spans);
  const footnotes = collectFootnotes(tree);

  const intro: Blocks = [];
  const sections: Section[] = [];
  let aside: Box | null = null;
  let conclusion: Box | null = null;
  const bodyNodes = tree.children.slice(1);
  for (const node of bodyNodes) {
    const line = node.position?.start.line;
    if (node.type === 'heading' && node.depth === 1) {
      error(line, 'heading', 'use ## for section headings: the title comes from the front matter');
    } else if (node.type === 'heading' && node.depth === 2) {
      const title = mdToString(node).trim();
      if (!title) error(line, 'heading', 'empty section heading');
      sections.push({ id: uniqueId(slugify(title), sections), title, line: line ?? 0, blocks: [] });
    } else if (node.type === 'containerDirective' && (node.name === 'aside' || node.name === 'conclusion')) {
      const box = toBox(node, node.name === 'aside' ? labels.aside : labels.conclusion);
      if (node.name === 'aside') {
        if (aside) error(line, 'aside', `a second :::aside box (the first is on line ${aside.line})`);
        aside = box;
      } else {
        if (conclusion)
          error(line, 'conclusion', `a second :::conclusion (the first is on line ${conclusion.line})`);
        conclusion = box;
      }
    } else if (node.type === 'containerDirective' || node.type === 'leafDirective') {
      error(line, 'directive', `unknown directive "${node.name}" (known: ${DIRECTIVES.join(', ')})`);
    } else {
      const current = sections.at(-1);
      (current ? current.blocks : intro).push(node);
    }
  }

  if (bodyNodes.length === 0) {
    error(
      (first.position?.end.line ?? 1) + 1,
      'body',
      'empty: write at least one ## section after the front matter',
    );
  } else if (sections.length === 0) {
    error(bodyNodes[0]?.position?.start.line, 'body', 'no section: start each section with a ## heading');
  }

  const related: Article[] = [];
  let template = DEFAULT_TEMPLATE;
  if (fm.ok) {
    template = fm.data.template ?? DEFAULT_TEMPLATE;
    if (!ctx.templates.includes(template)) {
      error(
        fm.lineOf(['template']),
        'template',
        `unknown template "${template}" (available: ${ctx.templates.join(', ')})`,
      );
    }
    fm.data.related.forEach((id, i) => {
      const article = ctx.articles.get(id);
      if (article) related.push(article);
      else error(fm.lineOf(['related', i]), `related[${i}]`, `no article "${id}" in articles.yml`);
    });
  }

  if (!fm.ok || diagnostics.some((d) => d.severity === 'error')) return { issue: null, diagnostics };
  const data = fm.data;
  return {
    issue: {
      file,
      slug,
      footnotes,
      meta: {
        ...data,
        title: typeset(data.title, lang),
        subject: typeset(data.subject, lang),
        preheader: typeset(data.preheader, lang),
        template,
      },
      intro,
      sections,
      aside,
      conclusion,
      related: related.map((a) => ({
        ...a,
        headline: typeset(a.headline, lang),
        teaser: typeset(a.teaser, lang),
      })),
      newsletter: ctx.newsletter,
      lineOf: (field) => fm.lineOf([field]),
    },
    diagnostics,
  };
}

function toBox(node: ContainerDirective, defaultTitle: string): Box {
  const [head, ...rest] = node.children;
  const hasLabel = head?.type === 'paragraph' && head.data?.directiveLabel === true;
  return {
    title: hasLabel ? mdToString(head).trim() : defaultTitle,
    line: node.position?.start.line ?? 0,
    blocks: (hasLabel ? rest : node.children) as RootContent[],
  };
}

/** Applies typography to words only, and turns stray `:word` text directives back into text. */
function typesetTree(tree: Root, lang: string): void {
  visit(tree, 'textDirective', (node, index, parent) => {
    if (!parent || index === undefined) return;
    const attrs = Object.entries(node.attributes ?? {});
    const text = `:${node.name}${node.children.length ? `[${mdToString(node)}]` : ''}${attrs.length ? `{${attrs.map(([k, v]) => `${k}="${v}"`).join(' ')}}` : ''}`;
    parent.children.splice(index, 1, { type: 'text', value: text });
  });
  // Put back together the text a directive split, so typography sees whole sentences.
  visit(tree, (node) => {
    if (!('children' in node)) return;
    const merged: Array<(typeof node.children)[number]> = [];
    for (const child of node.children) {
      const prev = merged.at(-1);
      if (child.type === 'text' && prev?.type === 'text') prev.value += child.value;
      else merged.push(child);
    }
    node.children = merged as never;
  });
  // Straight quotes pair across inline formatting: `"*Le Monde*" et "[Libé](…)"` is two pairs,
  // whatever emphasis or link sits between a quote and its mate.
  const [open, close] = lang.startsWith('fr') ? ['«', '»'] : ['“', '”'];
  visit(tree, (block) => {
    if (block.type !== 'paragraph' && block.type !== 'heading' && block.type !== 'tableCell') return;
    let inside = false;
    visit(block, 'text', (text, _i, parent) => {
      if (parent && isUrlText(parent)) return;
      text.value = text.value.replace(/"/g, () => {
        inside = !inside;
        return inside ? open : close;
      });
    });
    return SKIP;
  });
  visit(tree, (node, _index, parent) => {
    // The visible text of a link that shows a URL is the URL: typography would change it.
    if (node.type === 'text' && !(parent && isUrlText(parent))) node.value = typeset(node.value, lang);
    else if (node.type === 'image' && node.alt) node.alt = typeset(node.alt, lang);
  });
}

/** Every string of the tree (text, code, URLs, titles, alt text) with its merge fields as written. */
function restoreTree(tree: Root, spans: readonly MergeSpan[]): void {
  if (!spans.length) return;
  visit(tree, (node) => {
    const n = node as unknown as Record<string, unknown>;
    for (const key of ['value', 'url', 'title', 'alt', 'label', 'name']) {
      const v = n[key];
      if (typeof v === 'string') n[key] = restoreMergeFields(v, spans);
    }
    const attributes = n.attributes as Record<string, unknown> | undefined | null;
    if (attributes)
      for (const [k, v] of Object.entries(attributes))
        if (typeof v === 'string') attributes[k] = restoreMergeFields(v, spans);
  });
}

/** A link whose text is an address (an autolink, or `[https://…](https://…)`): left as written. */
function isUrlText(node: { type: string }): boolean {
  if (node.type !== 'link') return false;
  const text = mdToString(node as Link).trim();
  return /^(https?:\/\/|www\.|mailto:)/i.test(text) || text === (node as Link).url;
}

export function slugify(s: string): string {
  return (
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'section'
  );
}

function uniqueId(base: string, sections: Section[]): string {
  let id = base;
  for (let n = 2; sections.some((s) => s.id === id); n++) id = `${base}-${n}`;
  return id;
}

/**
 * Footnotes belong to the issue, not to a section: a definition may sit in any section, or after
 * the last one. Definitions are taken out of the flow (they render together at the end, under
 * "Notes"), and numbered 1, 2… in the order their first reference appears; each reference carries
 * its number for the renderer. A definition no reference points to is kept, numbered after them.
 */
function collectFootnotes(tree: Root): Footnote[] {
  const definitions = new Map<string, FootnoteDefinition>();
  visit(tree, 'footnoteDefinition', (node, index, parent) => {
    if (!parent || index === undefined) return;
    if (!definitions.has(node.identifier)) definitions.set(node.identifier, node);
    parent.children.splice(index, 1);
    return [SKIP, index];
  });
  const numbers = new Map<string, number>();
  visit(tree, 'footnoteReference', (node) => {
    if (!definitions.has(node.identifier)) return;
    let n = numbers.get(node.identifier);
    if (n === undefined) {
      n = numbers.size + 1;
      numbers.set(node.identifier, n);
    }
    node.data = { ...node.data, footnoteNumber: n } as typeof node.data;
  });
  for (const id of definitions.keys()) if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
  return [...definitions.entries()]
    .map(([id, def]) => ({
      number: numbers.get(id) ?? 0,
      line: def.position?.start.line ?? 0,
      blocks: def.children as Blocks,
    }))
    .sort((a, b) => a.number - b.number);
}
