import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareIssue } from '../../src/render/prepare.ts';
import { numero } from '../helpers/cli.ts';
import { PUBLIC_URL, ROOT, repoContext, TEMPLATES_DIR } from '../helpers/fixtures.ts';

const DIR = path.join(ROOT, 'test/fixtures/render-issues');
const check = (name: string) =>
  prepareIssue(path.join(DIR, name), repoContext(), { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL });
const lines = (r: Awaited<ReturnType<typeof check>>) =>
  r.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.field}: ${d.message}`);

describe('numero check on the Markdown editors write', () => {
  it('raw HTML is a warning with its line; a bare % in a link an error, never a crash', async () => {
    const r = await check('editor-markdown.md');
    expect(lines(r)).toEqual([
      '16: error: link: rapport%.pdf: malformed %-escape',
      '16: warning: html: raw HTML is not rendered: use Markdown (<b>)',
      '18: warning: html: raw HTML is not rendered: use Markdown (<div class="encadre">un bloc HTML</div>)',
    ]);
    const cli = await numero(['check', path.join(DIR, 'editor-markdown.md')]);
    expect(cli.code).toBe(1);
    expect(cli.stderr + cli.stdout).not.toMatch(/URIError|\n\s+at /);
  });

  it('warns where an element will be wider than a phone: code lines over 60 characters, tables over 4 columns', async () => {
    const r = await check('wide-content.md');
    expect(lines(r)).toEqual([
      '19: warning: code: a code line of 133 characters wraps on a phone (about 60 fit): shorten it if its shape matters',
      '30: warning: table: 7 columns: on a phone the table scrolls sideways (4 fit); split it or turn it into a list',
    ]);
  });
});
