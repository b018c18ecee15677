import { convert, type HtmlToTextOptions } from 'html-to-text';
import type { Fragment } from './fragments.ts';
import type { IssueView } from './view.ts';

/**
 * The plain-text part, built from the same view as the HTML so both parts say the same thing.
 * Headings keep their case (upper-casing would also upper-case merge fields), links read
 * `text [url]`, lines are not hard-wrapped (a wrap could split a URL or a merge field).
 */
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'image', options: { linkBrackets: false } },
  ],
};

function fragmentText(f: Fragment): string {
  return convert(f.html, OPTIONS).trim();
}

function heading(title: string, char: '=' | '-'): string {
  return `${title}\n${char.repeat(Math.max(3, [...title].length))}`;
}

export function renderText(view: IssueView): string {
  const out: string[] = [];
  const colon = view.lang.startsWith('fr') ? '\u00A0:' : ':';
  const masthead = [view.newsletter.name, view.numeroLabel, view.dateLabel].filter(Boolean).join(' — ');
  out.push(masthead, '', heading(view.title, '='), view.byline);
  if (view.intro) out.push('', fragmentText(view.intro));
  for (const s of view.sections) out.push('', '', heading(s.title, '-'), '', fragmentText(s.body));
  if (view.aside) out.push('', '', heading(view.aside.title, '-'), '', fragmentText(view.aside.body));
  if (view.conclusion)
    out.push('', '', heading(view.conclusion.title, '-'), '', fragmentText(view.conclusion.body));
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
    `${view.labels.unsubscribe}${colon} ${view.links.unsubscribe}`,
  );
  return `${out.join('\n')}\n`;
}
