import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkIssue } from '../../src/check/check.ts';
import { loadContext, loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { isSafeUrl } from '../../src/render/fragments.ts';
import { PUBLIC_URL, TEMPLATES_DIR, tempIssuesDir, VALID_FRONT_MATTER } from '../helpers/fixtures.ts';

let tmp: ReturnType<typeof tempIssuesDir>;
beforeEach(() => {
  tmp = tempIssuesDir();
});
afterEach(() => tmp.cleanup());

const BODY = `
## Section

Un [piège](javascript:alert(document.cookie)), un [autre](JaVaScRiPt:alert(1)), [des données](data:text/html,<b>x</b>),
[vb](vbscript:msgbox(1)) et [relatif au schéma](//evil.example/x).

Mais [écrire](mailto:redaction@example.org), [appeler](tel:+3221234567) et [lire](https://example.org/) vont bien.
`;

describe('links and images that may reach readers', () => {
  it('check refuses every scheme but https, http, mailto, tel and relative files, with the line', async () => {
    const file = tmp.write('2025-10-02-numero-37.md', VALID_FRONT_MATTER + BODY);
    const report = await checkIssue(file, loadContext({ issuesDir: tmp.dir, templatesDir: TEMPLATES_DIR }), {
      templatesDir: TEMPLATES_DIR,
      publicUrl: PUBLIC_URL,
    });
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.line, d.message.split(':')[0]])).toEqual([
      [12, 'javascript'],
      [12, 'JaVaScRiPt'],
      [12, 'data'],
      [13, 'vbscript'],
      [13, '//evil.example/x'],
    ]);
    expect(errors[0]?.message).toContain(
      'only https, http, mailto, tel and files next to the issue are allowed',
    );
  });

  it('an image or link that resolves outside issues/ (a path or a symlink) is an error', async () => {
    const outside = path.join(path.dirname(tmp.dir), `numero-outside-${path.basename(tmp.dir)}.png`);
    fs.writeFileSync(outside, 'png');
    fs.symlinkSync(outside, path.join(tmp.dir, 'lien.png'));
    try {
      const file = tmp.write(
        '2025-10-02-numero-37.md',
        `${VALID_FRONT_MATTER}\n## Section\n\n![carte](../${path.basename(outside)})\n\n![lien](lien.png)\n`,
      );
      const report = await checkIssue(
        file,
        loadContext({ issuesDir: tmp.dir, templatesDir: TEMPLATES_DIR }),
        {
          templatesDir: TEMPLATES_DIR,
          publicUrl: PUBLIC_URL,
        },
      );
      expect(report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
        `../${path.basename(outside)} resolves outside the issues folder: it would not be served`,
        'lien.png resolves outside the issues folder: it would not be served',
      ]);
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it('neither template emits a dangerous link, whatever check said', async () => {
    const file = tmp.write('2025-10-02-numero-37.md', VALID_FRONT_MATTER + BODY);
    const issue = loadIssue(file, { issuesDir: tmp.dir, templatesDir: TEMPLATES_DIR });
    for (const template of ['weekly.tsx', 'weekly.mjml']) {
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      expect([template, /javascript:|vbscript:|data:text|\/\/evil\.example/i.test(compiled.html)]).toEqual([
        template,
        false,
      ]);
      expect(compiled.html).toContain('href="mailto:redaction@example.org"');
      expect(compiled.html).toContain('piège');
    }
    expect(isSafeUrl('java\tscript:alert(1)')).toBe(false);
    expect(isSafeUrl('{{browserUrl}}')).toBe(true);
  });
});
