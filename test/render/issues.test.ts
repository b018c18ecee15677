import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listIssueFiles, loadIssue } from '../../src/content/load.ts';
import { typeset } from '../../src/content/typography.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { fromFlowed } from '../../src/render/flowed.ts';
import { CLIP_LIMIT_BYTES } from '../../src/render/limits.ts';
import { Personalizer } from '../../src/render/personalize.ts';
import { sampleLinks, sampleReader } from '../../src/render/sample-readers.ts';
import {
  DIRS,
  ISSUES_DIR,
  issuesAndRenderFixtures,
  PUBLIC_URL,
  repoContext,
  sourceHeadings,
  TEMPLATES_DIR,
} from '../helpers/fixtures.ts';
import { decodeEntities } from '../helpers/html-entities.ts';

const ctx = repoContext();
const files = listIssueFiles(ISSUES_DIR);
const TEMPLATES = ['weekly.tsx', 'weekly.mjml'];

/** Text as a reader sees it in the HTML: entities decoded, tags dropped. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&nbsp;/g, '\u00A0');
}

it('finds the four issues of the repository', () => {
  expect(files.map((f) => path.basename(f))).toEqual([
    '2025-04-01-kazakhstan-ue.md',
    '2025-04-08-sample-en.md',
    '2025-10-02-numero-37.md',
    '2026-02-12-numero-56.md',
  ]);
});

describe.each(files.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
  const issue = loadIssue(file, DIRS, ctx);
  const headings = sourceHeadings(file).map((h) => typeset(h, issue.meta.lang));
  const links = sampleLinks(PUBLIC_URL, issue.slug);

  it('has sections', () => expect(headings.length).toBeGreaterThan(0));

  it.each(TEMPLATES)(
    'renders with %s: every heading, both links, the preheader, under 102 KB',
    async (template) => {
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      const out = new Personalizer(compiled).fill(sampleReader(), links);
      const text = visibleText(out.html);
      for (const h of headings) expect(text).toContain(h);
      expect(out.html).toContain(`href="${links.unsubscribeUrl}"`);
      expect(out.html).toContain(`href="${links.browserUrl}"`);
      expect(text).toContain(issue.meta.preheader);
      expect(out.html).toMatch(new RegExp(`<html[^>]* lang="${issue.meta.lang}"`));
      expect(out.html).toContain('<meta name="color-scheme" content="light dark"');
      expect(out.html).not.toMatch(/<script|<link[^>]+stylesheet/i);
      expect(out.html).not.toMatch(/\{\{|\}\}/); // every merge field was filled
      for (const img of out.html.match(/<img[^>]*>/g) ?? []) expect(img).toMatch(/alt="[^"]+"/);
      expect(Buffer.byteLength(out.html)).toBeLessThan(CLIP_LIMIT_BYTES);

      const shown = fromFlowed(out.text);
      for (const h of headings) expect(shown).toContain(h);
      expect(out.text).toContain(links.unsubscribeUrl);
      expect(out.text).toContain(links.browserUrl);
      expect(out.text).not.toMatch(/<[a-z]/i);
    },
  );

  it('renders the same sections in both engines, in the same order', async () => {
    const order = async (template: string) => {
      const c = await compileIssue(issue, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL, template });
      const text = visibleText(c.html);
      return headings.map((h) => text.indexOf(h));
    };
    const [react, mjml] = [await order('weekly.tsx'), await order('weekly.mjml')];
    expect(react.every((i, n) => n === 0 || i > (react[n - 1] ?? 0))).toBe(true);
    expect(mjml.every((i, n) => n === 0 || i > (mjml[n - 1] ?? 0))).toBe(true);
  });
});

describe('content features', () => {
  const issue = loadIssue(path.join(ISSUES_DIR, '2025-10-02-numero-37.md'), DIRS, ctx);

  it.each(TEMPLATES)(
    '%s shows the aside box, the related articles and the postal address',
    async (template) => {
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      const text = visibleText(compiled.html);
      expect(text).toContain('Le saviez-vous\u202F? Le Kazakhstan, berceau de la pomme');
      expect(text).toContain('À lire aussi');
      expect(text).toContain(
        'Police\u00A0: au Kazakhstan, un algorithme s’invite dans les salles d’interrogatoire',
      );
      expect(text).toContain(ctx.newsletter.postalAddress);
      expect(text).toContain('Numéro 37');
      expect(text).toContain('2 octobre 2025');
      expect(compiled.text).toContain('À lire aussi');
      expect(compiled.text).toContain('Le saviez-vous\u202F?');
    },
  );

  it('turns a relative link to another issue into its web version', async () => {
    const en = loadIssue(path.join(ISSUES_DIR, '2025-04-08-sample-en.md'), DIRS, ctx);
    const compiled = await compileIssue(en, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL });
    expect(compiled.html).toContain(`href="${PUBLIC_URL}/issues/2025-04-01-kazakhstan-ue"`);
    expect(compiled.text).toContain(`${PUBLIC_URL}/issues/2025-04-01-kazakhstan-ue`);
  });
});

describe('the author corpus (test/fixtures/render-issues): issues written beyond the seeds', () => {
  const corpus = issuesAndRenderFixtures().filter((f) => f.includes('render-issues'));
  it.each(corpus.flatMap((f) => TEMPLATES.map((t) => [path.basename(f), t, f] as const)))(
    '%s with %s: every heading shown, under Gmail’s 102 KB clip',
    async (_name, template, file) => {
      const issue = loadIssue(file, DIRS, ctx);
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      const out = new Personalizer(compiled).fill(sampleReader(), sampleLinks(PUBLIC_URL, issue.slug));
      const text = visibleText(out.html);
      const shown = sourceHeadings(file).filter((h) => !h.includes('{{'));
      for (const h of shown.map((x) => typeset(x, issue.meta.lang))) expect(text).toContain(h);
      expect(Buffer.byteLength(out.html)).toBeLessThan(CLIP_LIMIT_BYTES);
      // The text part: every field filled, every link of the HTML there, whole.
      expect(out.text).not.toMatch(/\{\{|\}\}/);
      expect(out.html).not.toMatch(/\{\{|\}\}/);
      const plain = fromFlowed(out.text);
      const hrefs = [...out.html.matchAll(/<a [^>]*href="(https?:[^"]+)"/g)].map((m) =>
        decodeEntities(m[1] ?? ''),
      );
      for (const href of hrefs) expect(plain, href).toContain(href);
    },
  );

  it('keeps a numbered list aligned in the text part, its first item too', async () => {
    const file = corpus.find((f) => f.endsWith('author-corpus.md')) ?? '';
    const issue = loadIssue(file, DIRS, ctx);
    const compiled = await compileIssue(issue, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL });
    const lines = fromFlowed(
      new Personalizer(compiled).fill(sampleReader(), sampleLinks(PUBLIC_URL, issue.slug)).text,
    ).split('\n');
    const indent = (start: string) => lines.find((l) => l.trimStart().startsWith(start))?.search(/\S/);
    expect(indent('1. Le rail')).toBeDefined();
    expect(indent('1. Le rail')).toBe(indent('2. L’énergie'));
    expect(indent('2. L’énergie')).toBe(indent('3. La ville'));
  });

  it('holds the 50-article issue, and MJML renders it no bigger than React Email', async () => {
    const file = corpus.find((f) => f.endsWith('fifty-articles.md')) ?? '';
    const issue = loadIssue(file, DIRS, ctx);
    expect(issue.sections.length).toBe(50);
    const size = async (template: string) =>
      Buffer.byteLength(
        (await compileIssue(issue, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL, template })).html,
      );
    expect(await size('weekly.mjml')).toBeLessThanOrEqual(await size('weekly.tsx'));
  });
});
