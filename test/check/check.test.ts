import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContext } from '../../src/content/load.ts';
import { formatDiagnostic } from '../../src/errors.ts';
import { CLIP_LIMIT_BYTES } from '../../src/render/limits.ts';
import { hasErrors, prepareIssue } from '../../src/render/prepare.ts';
import { PUBLIC_URL, TEMPLATES_DIR, tempIssuesDir, VALID_FRONT_MATTER } from '../helpers/fixtures.ts';

let tmp: ReturnType<typeof tempIssuesDir>;
beforeEach(() => {
  tmp = tempIssuesDir();
});
afterEach(() => tmp.cleanup());

async function check(body: string, frontMatter = VALID_FRONT_MATTER) {
  const file = tmp.write('2025-10-02-numero-37.md', frontMatter + body);
  const ctx = loadContext({ issuesDir: tmp.dir, templatesDir: TEMPLATES_DIR });
  const report = await prepareIssue(file, ctx, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL });
  // Each diagnostic as printed, without the (temporary) file name.
  const lines = report.diagnostics.map((d) =>
    formatDiagnostic({ ...d, file: '' })
      .replace(/^:/, '')
      .trimStart(),
  );
  return { report, lines };
}

describe('numero check', () => {
  it('passes a clean issue and measures its HTML', async () => {
    const { report } = await check('\n## Section\n\nTexte.\n');
    expect(report.diagnostics).toEqual([]);
    expect(report.htmlBytes).toBeGreaterThan(1000);
  });

  it('finds an image without alt text and a broken relative link, with their lines', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'carte.png'), 'png');
    const { report, lines } = await check(
      '\n## Section\n\n![](carte.png)\n\nVoir [l’archive](archive/absent.md).\n',
    );
    expect(hasErrors(report)).toBe(true);
    expect(lines).toEqual([
      '12: image: no alt text for carte.png: write ![what it shows](carte.png)',
      `14: link: archive/absent.md does not exist (relative to ${path.relative(process.cwd(), tmp.dir)})`,
    ]);
  });

  it('accepts a relative link that exists and warns about http://', async () => {
    tmp.write('autre.md', 'x');
    const { report, lines } = await check(
      '\n## Section\n\n[autre](autre.md) et [site](http://example.org).\n',
    );
    expect(hasErrors(report)).toBe(false);
    expect(lines).toEqual(['12: link: http://example.org is not https']);
  });

  it('flags unknown merge fields and unescaped ones, and accepts declared attributes', async () => {
    const fm = VALID_FRONT_MATTER.replace('author: Kadir Duran', 'author: Kadir Duran\nfields: [city]');
    const { lines } = await check(
      '\n## Section\n\nBonjour {{firstName}} de {{city}}, {{prenom}} {{{email}}}.\n',
      fm,
    );
    expect(lines).toEqual([
      '13: merge field: unknown merge field "prenom" (known: firstName, lastName, name, email, unsubscribeUrl, browserUrl, preferencesUrl, city; declare subscriber attributes in fields:)',
      '13: merge field: {{{email}}} inserts reader data without HTML escaping: use {{email}}',
    ]);
  });

  it('reports a merge field that does not parse', async () => {
    const { lines } = await check('\n## Section\n\nBonjour {{firstName.\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^12: merge field: a merge field opened at column 9 \(\{\{\) is not closed on its line/,
    );
  });

  it('fails an issue whose HTML would be clipped by Gmail', async () => {
    const paragraph = `${'Le Kazakhstan poursuit sa transformation politique et économique. '.repeat(20)}\n\n`;
    const { report, lines } = await check(`\n## Section\n\n${paragraph.repeat(90)}`);
    expect(report.htmlBytes).toBeGreaterThan(CLIP_LIMIT_BYTES);
    expect(lines).toEqual([
      expect.stringMatching(
        /^\d+: html: \d+\.\d KB with weekly\.tsx: Gmail clips messages over 102 KB; the heaviest section is "Section" \(\d+\.\d KB, of 1 sections\): shorten or split it$/,
      ),
    ]);
  });

  it('warns about an empty section and a long subject', async () => {
    const fm = VALID_FRONT_MATTER.replace(
      'subject: Sujet',
      `subject: ${'Un sujet beaucoup trop long '.repeat(4)}`,
    );
    const { report, lines } = await check('\n## Vide\n\n## Pleine\n\nTexte.\n', fm);
    expect(hasErrors(report)).toBe(false);
    expect(lines).toEqual([
      '5: subject: 111 characters: inboxes show about 60 to 80',
      '10: section: "Vide" has no text',
    ]);
  });
});
