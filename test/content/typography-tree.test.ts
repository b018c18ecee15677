import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFlowed } from '../../src/render/flowed.ts';
import { compileRepoFile, ROOT } from '../helpers/fixtures.ts';

const FILE = path.join(ROOT, 'test/fixtures/render-issues/typography.md');
const show = (s: string) => s.replace(/\u202F/g, '⍽').replace(/\u00A0/g, '~');

describe('French typography over a whole paragraph', async () => {
  const { text, html } = (await compileRepoFile(FILE)).compiled;
  const shown = show(fromFlowed(text));

  it('pairs quotes across emphasis and links: « Le Monde » et « Libé »', () => {
    expect(shown).toContain('Selon «⍽Le Monde⍽» et «⍽Libé [https://www.liberation.fr/]⍽»');
    expect(show(html)).toMatch(/«⍽<em[^>]*>Le Monde<\/em>⍽» et «⍽<a [^>]*>Libé<\/a>⍽»/);
  });

  it('keeps 14 h 30 together, and a year apart from the count after it', () => {
    expect(shown).toContain('à 14~h~30.');
    expect(shown).toContain('En 2024 300~entreprises ont exporté plus de 120⍽000~tonnes.');
  });

  it('leaves the visible text of a link that shows a URL alone', () => {
    expect(shown).toContain('https://www.example.ci/faq?');
    expect(shown).not.toContain('faq⍽?');
    expect(shown).toContain("https://www.example.ci/cote-d'Ivoire?x=1");
  });
});
