import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { DIRS, ISSUES_DIR, PUBLIC_URL } from '../helpers/fixtures.ts';

describe('the hidden preheader', () => {
  it('is hidden without low-contrast text in both templates (SpamAssassin HTML_FONT_LOW_CONTRAST)', async () => {
    const issue = loadIssue(`${ISSUES_DIR}/2025-10-02-numero-37.md`, DIRS);
    for (const template of ['weekly.tsx', 'weekly.mjml']) {
      const { html } = await compileIssue(issue, { ...DIRS, publicUrl: PUBLIC_URL, template });
      const div = new RegExp(`<div[^>]*style="([^"]*)"[^>]*>\\s*${issue.meta.preheader.slice(0, 20)}`).exec(
        html,
      );
      expect([template, Boolean(div)]).toEqual([template, true]);
      const style = div?.[1] ?? '';
      expect(style).toContain('display:none');
      expect([template, /color:\s*#fff/i.test(style) || /font-size:\s*1px/.test(style)]).toEqual([
        template,
        false,
      ]);
    }
  });
});
