import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { fromFlowed } from '../../src/render/flowed.ts';
import { DIRS, PUBLIC_URL, ROOT, repoContext, TEMPLATES_DIR } from '../helpers/fixtures.ts';

const FILE = path.join(ROOT, 'test/fixtures/render-issues/footnotes.md');

describe.each(['weekly.tsx', 'weekly.mjml'])('footnotes with %s', (template) => {
  it('are numbered once per issue, keep every definition wherever it was written, and come last under « Notes »', async () => {
    const issue = loadIssue(FILE, DIRS, repoContext());
    expect(issue.footnotes.map((f) => f.number)).toEqual([1, 2, 3]);
    const { html: raw, text } = await compileIssue(issue, {
      templatesDir: TEMPLATES_DIR,
      publicUrl: PUBLIC_URL,
      template,
    });
    const html = raw.replace(/<!-- -->/g, ''); // React's text-node separators
    // References in reading order: nom (1), tenge (2), nom again (1), steppe (3).
    expect([...html.matchAll(/<sup[^>]*><a href="#note-(\d)"/g)].map((m) => m[1])).toEqual([
      '1',
      '2',
      '1',
      '3',
    ]);
    expect(html).not.toMatch(/Footnotes|data-footnote|user-content-fn/);
    const notesAt = html.indexOf('>Notes</h2>');
    expect(notesAt).toBeGreaterThan(html.indexOf('Troisième section'));
    for (const [n, words] of [
      [1, 'Akmola, puis Astana'],
      [2, 'Introduit en 1993'],
      [3, 'La steppe couvre'],
    ] as const) {
      const at = html.indexOf(`id="note-${n}"`);
      expect(at, `note ${n}`).toBeGreaterThan(notesAt);
      expect(html.slice(at, at + 400)).toContain(`${n}. ${words}`);
    }
    const shown = fromFlowed(text);
    expect(shown).toContain('Astana a changé de nom deux fois[1]. Le tenge est la monnaie[2].');
    expect(shown).toMatch(
      /Notes\n-----\n\n1\. Akmola, puis Astana, puis Nour-Soultan, puis Astana de nouveau\.\n\n2\. Introduit en 1993\.\n\n3\. La steppe/,
    );
  });
});
