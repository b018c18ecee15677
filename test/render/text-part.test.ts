import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFlowed, toFlowed } from '../../src/render/flowed.ts';
import { compileRepoFile, issuesAndRenderFixtures, ROOT } from '../helpers/fixtures.ts';

const files = issuesAndRenderFixtures();
const URLISH = /https?:\/\/|\{\{/;

describe('the text part', () => {
  it.each(files.map((f) => [path.basename(f), f]))(
    '%s: flowed at 78 columns, never broken inside a URL or a merge field',
    async (_n, file) => {
      const { text } = (await compileRepoFile(file)).compiled;
      for (const line of text.split('\n')) {
        // Longer only when one unbreakable token (a URL, a merge field, a very long word) is alone there.
        if ([...line].length > 78)
          expect(line.trim().match(/(?:\{\{[\s\S]*?\}\}|[^ ])+/g)?.length, line).toBeLessThanOrEqual(2);
      }
      // Every URL and merge field of the unflowed text is whole on one line of the flowed text.
      for (const token of fromFlowed(text).match(/https?:\/\/[^\s\]]+|\{\{[^}]*\}\}/g) ?? [])
        expect(text.includes(token), token).toBe(true);
      expect(
        fromFlowed(text)
          .split('\n')
          .some((l) => URLISH.test(l)),
      ).toBe(true);
    },
  );

  it('an image inside a link (a video thumbnail) reads as one link: its alt text and the link', async () => {
    const { text } = (await compileRepoFile(path.join(ROOT, 'test/fixtures/text-part/video-thumbnail.md')))
      .compiled;
    const plain = fromFlowed(text);
    expect(plain).toContain('La vidéo du Tian Shan [https://video.example.org/watch?v=42]');
    expect(plain).not.toContain('thumb.jpghttps');
    expect(plain).not.toContain('https://img.example.org/thumb.jpg');
    expect(plain).toContain('https://img.example.org/kaindy.jpg'); // an image alone keeps its address
  });

  it('a table becomes one readable line per row, each value named by its column', async () => {
    const { text } = (await compileRepoFile(path.join(ROOT, 'test/fixtures/render-issues/wide-content.md')))
      .compiled;
    // No-break spaces (before « : », inside numbers) as typography put them; compared as spaces here.
    const shown = fromFlowed(text).replace(/[\u00A0\u202F]/g, ' ');
    expect(shown).toContain(
      '• Année 2023 — Exportations : 78 700 M$ ; Importations : 60 300 M$ ; Solde : 18 400 M$ ; Croissance : −3,3 % ; Partenaires : 125 000 ; Part UE : 39 %',
    );
  });

  it('flows per RFC 3676: soft breaks end in a space, hard ones do not, stuffing, the signature line', () => {
    const long = `${'mot '.repeat(30)}fin`;
    const flowed = toFlowed(`${long}\nFrom here\n>quoted\n-- \nsig  `);
    const lines = flowed.split('\n');
    expect(lines.every((l) => [...l].length <= 78)).toBe(true);
    expect(lines[0]?.endsWith(' ')).toBe(true);
    expect(lines).toContain(' From here');
    expect(lines).toContain(' >quoted');
    expect(lines).toContain('-- ');
    expect(lines.at(-1)).toBe('sig');
    expect(fromFlowed(flowed)).toBe(`${long}\nFrom here\n>quoted\n-- \nsig`);
    expect(
      toFlowed(`Bonjour {{default firstName "chère lectrice, cher lecteur"}} ${'x'.repeat(60)}`),
    ).toContain('{{default firstName "chère lectrice, cher lecteur"}}');
  });
});
