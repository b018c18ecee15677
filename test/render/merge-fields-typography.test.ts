import { afterAll, describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { fromFlowed } from '../../src/render/flowed.ts';
import { Personalizer } from '../../src/render/personalize.ts';
import { DIRS, PUBLIC_URL, repoContext, TEMPLATES_DIR, tempIssuesDir } from '../helpers/fixtures.ts';

/**
 * Every merge-field form the README documents, in every place a field may stand, in French and
 * English: the value a reader gets is the value Handlebars gives for the field as written, never
 * one typography made by pairing its quotes or spacing its signs.
 */
const FORMS: Array<[form: string, withCity: string, withoutCity: string]> = [
  ['{{firstName}}', 'Aigerim', 'Aigerim'],
  ['{{default city "Almaty"}}', 'Astana', 'Almaty'],
  ['{{default city "Almaty, Kazakhstan !"}}', 'Astana', 'Almaty, Kazakhstan !'],
  ["{{default city 'Almaty'}}", 'Astana', 'Almaty'],
  ['{{{firstName}}}', 'Aigerim', 'Aigerim'],
  ['{{#if city}}à {{city}}{{else}}ailleurs{{/if}}', 'à Astana', 'ailleurs'],
];

/** Each form in each place, marked Mn- so the value can be found in the text part. */
function body(): string {
  const lines: string[] = ['## Section', ''];
  FORMS.forEach(([f], i) => {
    const m = (place: string) => `M${i}${place}-`;
    lines.push(`${m('p')}${f} fin.`, '');
    lines.push(`*${m('em')}${f} fin.*`, '');
    lines.push(`[${m('a')}${f} fin](https://lettre.example.org/x)`, '');
    lines.push(`### ${m('h')}${f} fin`, '');
    lines.push(`| a | b |`, `|---|---|`, `| ${m('td')}${f} fin | x |`, '');
    lines.push(`Note[^n${i}].`, '', `[^n${i}]: ${m('fn')}${f} fin.`, '');
  });
  lines.push('[lien](https://lettre.example.org/p?ville={{default city "Almaty"}})', '');
  return lines.join('\n');
}

const front = (lang: string) => `---
numero: 1
date: 2026-12-05
title: Titre
subject: 'Pour {{default city "Almaty"}} !'
preheader: 'Bonjour {{firstName}} :'
author: A
lang: ${lang}
fields: [city]
---

`;

const dir = tempIssuesDir();
afterAll(() => dir.cleanup());
const links = { unsubscribeUrl: 'https://l.example/u', browserUrl: 'https://l.example/b' };

describe.each(['fr', 'en'])('merge fields survive typography (lang: %s)', (lang) => {
  it.each(['weekly.tsx', 'weekly.mjml'])(
    'every documented form in every place, with %s',
    async (template) => {
      const file = dir.write(`mf-${lang}.md`, front(lang) + body());
      const issue = loadIssue(file, { ...DIRS, issuesDir: dir.dir }, repoContext());
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      const p = new Personalizer(compiled);
      for (const [city, pick] of [
        ['Astana', 1],
        [undefined, 2],
      ] as const) {
        const out = p.fill(
          { email: 'a@example.org', firstName: 'Aigerim', attributes: city ? { city } : {} },
          links,
        );
        const text = fromFlowed(out.text).replace(/[\u00A0\u202F]/g, ' ');
        FORMS.forEach((form, i) => {
          const expected = form[pick];
          for (const place of ['p', 'em', 'a', 'td', 'fn'])
            expect([form[0], place, text.includes(`M${i}${place}-${expected} fin`)]).toEqual([
              form[0],
              place,
              true,
            ]);
          // Headings are upper-cased in the text part by some clients' conventions: compare without case.
          expect([form[0], 'h', text.toLowerCase().includes(`m${i}h-${expected} fin`.toLowerCase())]).toEqual(
            [form[0], 'h', true],
          );
        });
        expect(out.subject.replace(/[\u00A0\u202F]/g, ' ')).toBe(`Pour ${city ?? 'Almaty'} !`);
        expect(out.html).toContain(`ville=${city ?? 'Almaty'}`);
        expect(text).not.toMatch(/\{\{|«\s*Almaty|“Almaty/);
      }
    },
  );
});

describe('a broken merge field is reported at its own line, never a stack trace', () => {
  it('names the field and the line the editor wrote it on', () => {
    const src = `${front('fr')}## Section\n\nTexte.\n\nEncore.\n\nBonjour {{default city "Almaty}} !\n`;
    const file = dir.write('broken.md', src);
    expect(() => loadIssue(file, { ...DIRS, issuesDir: dir.dir }, repoContext())).toThrow(
      /broken\.md:18: merge field: \{\{default city "Almaty\}\} cannot be read/,
    );
  });
});
