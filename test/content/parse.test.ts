import { describe, expect, it } from 'vitest';
import { parseIssue } from '../../src/content/parse.ts';
import { formatDiagnostic } from '../../src/errors.ts';
import { repoContext, VALID_FRONT_MATTER } from '../helpers/fixtures.ts';

const FILE = 'issues/2025-10-02-numero-37.md';
const ctx = repoContext();

function errors(source: string): string[] {
  return parseIssue(source, FILE, 'x', ctx).diagnostics.map(formatDiagnostic);
}

describe('front matter', () => {
  it('names the line and field of a malformed date', () => {
    const src = `${VALID_FRONT_MATTER.replace('date: 2025-10-02', 'date: 02/10/2025')}\n## Une section\n\nTexte.\n`;
    expect(errors(src)).toEqual([`${FILE}:3: date: expected YYYY-MM-DD`]);
  });

  it('rejects a date that is not in the calendar', () => {
    const src = `${VALID_FRONT_MATTER.replace('2025-10-02', '2025-02-30')}\n## S\n\nT.\n`;
    expect(errors(src)).toEqual([`${FILE}:3: date: not a calendar date`]);
  });

  it('reports every missing field, with the line of the opening fence', () => {
    const src = '---\nnumero: 3\n---\n\n## S\n\nT.\n';
    expect(errors(src)).toEqual([
      `${FILE}:1: date: required`,
      `${FILE}:1: title: required`,
      `${FILE}:1: subject: required`,
      `${FILE}:1: preheader: required`,
      `${FILE}:1: author: required`,
    ]);
  });

  it('reports invalid YAML with its line', () => {
    const src = `${VALID_FRONT_MATTER.replace('title: Titre', 'title: [Titre')}\n## S\n\nT.\n`;
    // The YAML parser notices the unclosed [ where the next key starts.
    expect(errors(src)).toEqual([
      `${FILE}:5: front matter: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('rejects a non-integer numero and an unknown field', () => {
    const src = `${VALID_FRONT_MATTER.replace('numero: 37', 'numero: 3.5\ncolour: red')}\n## S\n\nT.\n`;
    expect(errors(src)).toEqual([
      `${FILE}:2: numero: expected an integer`,
      `${FILE}:3: colour: unknown field (known: numero, date, title, subject, preheader, author, lang, template, related, fields)`,
    ]);
  });

  it('says when there is no front matter at all', () => {
    expect(errors('## S\n\nT.\n')).toEqual([
      `${FILE}:1: front matter: missing: start the file with a --- block holding numero, date, title, subject, preheader, author`,
    ]);
  });

  it('rejects an unknown template', () => {
    const src =
      VALID_FRONT_MATTER.replace('author: Kadir Duran', 'author: Kadir Duran\ntemplate: monthly.mjml') +
      '\n## S\n\nT.\n';
    expect(errors(src)).toEqual([
      `${FILE}:8: template: unknown template "monthly.mjml" (available: weekly.mjml, weekly.tsx)`,
    ]);
  });

  it('rejects a related article that is not in articles.yml', () => {
    const src = `${VALID_FRONT_MATTER.replace(
      'author: Kadir Duran',
      'author: Kadir Duran\nrelated:\n  - naukograd-almaty\n  - nope',
    )}\n## S\n\nT.\n`;
    expect(errors(src)).toEqual([`${FILE}:10: related[1]: no article "nope" in articles.yml`]);
  });
});

describe('body', () => {
  it('rejects an empty body', () => {
    expect(errors(VALID_FRONT_MATTER)).toEqual([
      `${FILE}:9: body: empty: write at least one ## section after the front matter`,
    ]);
  });

  it('rejects a body with no section', () => {
    expect(errors(`${VALID_FRONT_MATTER}\nJuste un paragraphe.\n`)).toEqual([
      `${FILE}:10: body: no section: start each section with a ## heading`,
    ]);
  });

  it('rejects a # title and an unknown directive, with their lines', () => {
    const src = `${VALID_FRONT_MATTER}\n# Titre\n\n## S\n\n:::note\nx\n:::\n`;
    expect(errors(src)).toEqual([
      `${FILE}:10: heading: use ## for section headings: the title comes from the front matter`,
      `${FILE}:14: directive: unknown directive "note" (known: aside, conclusion)`,
    ]);
  });

  it('builds sections, the aside box, the conclusion and related articles', () => {
    const src = `${VALID_FRONT_MATTER.replace('author: Kadir Duran', 'author: Kadir Duran\nrelated: [naukograd-almaty]')}
Bonjour {{firstName}},

## Première section

Texte : avec une liste.

- un
- deux

## Deuxième section

### Sous-titre

Encore.

:::aside[Le saviez-vous ? La pomme]
Malus sieversii.
:::

:::conclusion
Fin.
:::
`;
    const { issue, diagnostics } = parseIssue(src, FILE, 'x', ctx);
    expect(diagnostics).toEqual([]);
    expect(issue?.sections.map((s) => [s.id, s.title, s.line])).toEqual([
      ['premiere-section', 'Première section', 13],
      ['deuxieme-section', 'Deuxième section', 20],
    ]);
    expect(issue?.intro).toHaveLength(1);
    expect(issue?.aside?.title).toBe('Le saviez-vous\u202F? La pomme');
    expect(issue?.conclusion?.title).toBe('Conclusion');
    expect(issue?.related.map((a) => a.id)).toEqual(['naukograd-almaty']);
    expect(issue?.meta.template).toBe('weekly.tsx');
    expect(issue?.meta.lang).toBe('fr');
  });

  it('keeps a word that starts with a colon as text instead of a directive', () => {
    const { issue } = parseIssue(`${VALID_FRONT_MATTER}\n## S\n\nVoir ex:abc ici.\n`, FILE, 'x', ctx);
    expect(JSON.stringify(issue?.sections[0]?.blocks)).toContain('ex:abc');
  });
});
