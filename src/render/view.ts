import path from 'node:path';
import { safeDecode } from '../_shared/uri.ts';
import type { Newsletter } from '../content/data.ts';
import type { Blocks, Issue } from '../content/issue.ts';
import { formatDate, type Labels, labelsFor } from '../content/labels.ts';
import { typeset } from '../content/typography.ts';
import {
  toFragment as blocksToFragment,
  type Fragment,
  toNoteFragment,
  type UrlResolver,
} from './fragments.ts';
import { theme } from './theme.ts';

export interface TitledFragment {
  title: string;
  body: Fragment;
}

export interface RelatedItem {
  headline: string;
  teaser: string;
  url: string | null;
  dateLabel: string | null;
}

/**
 * What a template receives: the issue's words, ready-made HTML fragments, labels in the issue's
 * language, and the per-reader links as merge fields (`{{unsubscribeUrl}}`) that personalisation
 * fills in later. Both engines render exactly this, so they show the same newsletter.
 */
export interface IssueView {
  lang: string;
  /** rtl for languages written right to left (ar, he, fa, ur…), else ltr. */
  dir: 'ltr' | 'rtl';
  /** Where lines of text start: right for rtl, left for ltr (MJML writes it inline). */
  align: 'left' | 'right';
  title: string;
  subject: string;
  preheader: string;
  numeroLabel: string | null;
  dateLabel: string;
  byline: string;
  newsletter: Newsletter;
  intro: Fragment | null;
  sections: Array<TitledFragment & { id: string }>;
  aside: TitledFragment | null;
  conclusion: TitledFragment | null;
  /** The issue's footnotes, numbered once, shown after the last section (and the conclusion). */
  notes: { title: string; items: Array<{ number: number; body: Fragment }> } | null;
  related: { title: string; items: RelatedItem[] } | null;
  labels: Omit<Labels, 'numero'>;
  links: { unsubscribe: string; browser: string; preferences: string };
  theme: typeof theme;
  year: string;
}

export interface ViewOptions {
  /** Where the public web versions live; relative links in the issue are made absolute against it. */
  publicUrl: string;
}

/**
 * Relative targets in an issue are files next to it: another issue (`x.md`) becomes that issue's web
 * version, anything else (an image) is served from the issues folder by the public server.
 */
export function issueUrlResolver(issue: Issue, publicUrl: string): UrlResolver {
  const issueDir = path.dirname(path.resolve(issue.file));
  return (url) => {
    const [target = '', hash] = url.split('#');
    const abs = path.resolve(issueDir, safeDecode(target));
    const suffix = hash ? `#${hash}` : '';
    if (abs.endsWith('.md'))
      return `${publicUrl}/issues/${encodeURIComponent(path.basename(abs, '.md'))}${suffix}`;
    const rel = path.relative(issueDir, abs).split(path.sep).map(encodeURIComponent).join('/');
    return `${publicUrl}/issues/files/${rel}${suffix}`;
  };
}

/** Languages written right to left (their primary subtag). */
const RTL = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'ks', 'ps', 'sd', 'ug', 'ur', 'yi']);

export function directionOf(lang: string): 'ltr' | 'rtl' {
  return RTL.has(lang.toLowerCase().split('-')[0] ?? '') ? 'rtl' : 'ltr';
}

export function buildView(issue: Issue, options: ViewOptions): IssueView {
  const { meta } = issue;
  const { numero, ...labels } = labelsFor(meta.lang);
  const resolve = issueUrlResolver(issue, options.publicUrl);
  const toFragment = (blocks: Blocks) => blocksToFragment(blocks, resolve);
  return {
    lang: meta.lang,
    dir: directionOf(meta.lang),
    align: directionOf(meta.lang) === 'rtl' ? 'right' : 'left',
    title: meta.title,
    subject: meta.subject,
    preheader: meta.preheader,
    numeroLabel: meta.numero > 0 ? numero(meta.numero) : null,
    dateLabel: formatDate(meta.date, meta.lang),
    byline: `${labels.by} ${meta.author}`,
    newsletter: {
      ...issue.newsletter,
      name: typeset(issue.newsletter.name, meta.lang),
      tagline: issue.newsletter.tagline && typeset(issue.newsletter.tagline, meta.lang),
    },
    intro: issue.intro.length ? toFragment(issue.intro) : null,
    sections: issue.sections.map((s) => ({ id: s.id, title: s.title, body: toFragment(s.blocks) })),
    aside: issue.aside ? { title: issue.aside.title, body: toFragment(issue.aside.blocks) } : null,
    conclusion: issue.conclusion
      ? { title: issue.conclusion.title, body: toFragment(issue.conclusion.blocks) }
      : null,
    notes: issue.footnotes.length
      ? {
          title: labels.notes,
          items: issue.footnotes.map((n) => ({
            number: n.number,
            body: toNoteFragment(n.number, n.blocks, resolve),
          })),
        }
      : null,
    related: issue.related.length
      ? {
          title: labels.related,
          items: issue.related.map((a) => ({
            headline: a.headline,
            teaser: a.teaser,
            // Data, never a template: braces stay encoded in lower case, which no merge-field pass reads.
            url: a.url ? a.url.replace(/[{}]/g, (ch) => (ch === '{' ? '%7b' : '%7d')) : null,
            dateLabel: a.date ? formatDate(a.date, meta.lang) : null,
          })),
        }
      : null,
    labels,
    links: {
      unsubscribe: '{{unsubscribeUrl}}',
      browser: '{{browserUrl}}',
      preferences: '{{preferencesUrl}}',
    },
    theme,
    year: meta.date.slice(0, 4),
  };
}
