import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { DIRS, ISSUES_DIR, PUBLIC_URL, repoContext, TEMPLATES_DIR } from '../helpers/fixtures.ts';

/**
 * Outlook for Windows renders with Word: no max-width, no padding or background on tables. No Outlook
 * runs here, so the markup is checked for what it needs (what MJML gives it): a 600 px ghost table
 * in conditional comments around the column, padding on cells only, the mso- styles.
 */
const issue = loadIssue(path.join(ISSUES_DIR, '2025-10-02-numero-37.md'), DIRS, repoContext());
const compile = (template: string) =>
  compileIssue(issue, { templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL, template });

describe('markup for Outlook for Windows', () => {
  it('weekly.tsx: a 600 px ghost table around the column, padding on cells, the mso- styles and Office settings', async () => {
    const { html } = await compile('weekly.tsx');
    const open =
      '<!--[if mso]><table role="presentation" align="center" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px"><tr><td><![endif]-->';
    const close = '<!--[if mso]></td></tr></table><![endif]-->';
    expect(html.split(open)).toHaveLength(2);
    expect(html.split(close)).toHaveLength(2);
    const [before = '', rest = ''] = html.split(open);
    const [inside = '', after = ''] = rest.split(close);
    expect(before).not.toMatch(/class="[^"]*n-container/);
    expect(inside).toMatch(/class="[^"]*n-container/);
    expect(inside).toContain(issue.meta.title.slice(0, 20));
    expect(after).not.toMatch(/<table/);
    expect(html).toMatch(
      /<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"/,
    );
    expect(html).toContain('<o:PixelsPerInch>96</o:PixelsPerInch>');
    expect(html).toContain('mso-table-lspace:0pt');
    // Word ignores padding on a table: every layout table is unpadded, its cell carries the padding.
    const tableStyles = [...html.matchAll(/<table\b[^>]*\bstyle="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(tableStyles.filter((st) => /padding/.test(st))).toEqual([]);
    const padded = [...html.matchAll(/<td\b[^>]*class="[^"]*n-pad[^"]*"[^>]*style="([^"]*)"/g)].map(
      (m) => m[1] ?? '',
    );
    expect(padded.length).toBeGreaterThan(5);
    for (const st of padded) expect(st).toMatch(/padding-left:32px;padding-right:32px/);
  });

  it('weekly.mjml: MJML’s own ghost tables, 600 px wide', async () => {
    const { html } = await compile('weekly.mjml');
    expect(html).toMatch(
      /<!--\[if mso \| IE\]><table align="center" border="0" cellpadding="0" cellspacing="0" class="[^"]*" role="presentation" style="width:600px;" width="600"/,
    );
  });
});
