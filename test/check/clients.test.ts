import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientReport } from '../../src/check/clients.ts';
import { numero } from '../helpers/cli.ts';
import { ISSUES_DIR, ROOT } from '../helpers/fixtures.ts';

describe('mail client compatibility (caniemail.com data, offline)', () => {
  it('groups what is unsupported by feature and client family, says where it comes from, marks known boilerplate harmless', () => {
    const r = clientReport(
      '<!doctype html><html lang="fr"><body><div style="display:flex;border-radius:4px;overflow-wrap:break-word">x</div></body></html>',
    );
    const flex = r.items.find((i) => i.feature === 'display:flex' && i.level === 'unsupported');
    expect(flex?.families.Outlook).toContain('outlook.windows');
    expect(flex?.harmless).toBeNull();
    const radius = r.items.find((i) => i.feature === 'border-radius' && i.level === 'unsupported');
    expect(radius?.origin).toMatch(/fragments\.ts/);
    const body = r.items.find((i) => i.feature === '<body> element');
    expect(body?.harmless).toMatch(/replace <body>/);
    expect(r.unsupported).toBe(r.items.filter((i) => i.level === 'unsupported' && !i.harmless).length);
    // Clients the data set has holes for are named, not guessed.
    expect(Array.isArray(r.missingData)).toBe(true);
  });

  it('numero check --clients prints the report; --max-unsupported fails above the budget', async () => {
    const file = path.join(ISSUES_DIR, '2025-10-02-numero-37.md');
    const report = await numero(['check', file, '--clients']);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/weekly\.tsx: \d+ unsupported feature\(s\) worth a look/);
    expect(report.stdout).toMatch(/<body> element: .*\[harmless:/);
    // A clean issue passes a budget of 0; one with a code block and a wide table does not (the
    // code box's border-radius and white-space, the table box's overflow are unsupported somewhere).
    expect((await numero(['check', file, '--max-unsupported', '0'])).code).toBe(0);
    const wide = path.join(ROOT, 'test/fixtures/render-issues/wide-content.md');
    const strict = await numero(['check', wide, '--clients', '--max-unsupported', '0']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /wide-content\.md: \d+ unsupported feature\(s\), more than --max-unsupported 0/,
    );
    expect(strict.stdout).toMatch(/unsupported {2}border-radius: Outlook \(2\)/);
    // numero check --spam: SpamAssassin's score and rules (installed by .ci/run).
    const spam = await numero(['check', file, '--spam']);
    expect(spam.stdout).toMatch(/spam: -?\d+\.\d points \(5\.0 flags a message\), local tests/);
    expect(spam.stdout).toContain('HTML_MESSAGE');
  });
});
