import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { numero } from '../helpers/cli.ts';
import { ROOT, tempIssuesDir, VALID_FRONT_MATTER } from '../helpers/fixtures.ts';

const tmp = tempIssuesDir();
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-out-'));
afterAll(() => {
  tmp.cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

describe('numero CLI', () => {
  it('check: every repository issue passes', async () => {
    const r = await numero(['check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/issues\/2025-10-02-numero-37\.md: ok \(\d+\.\d KB HTML, 0 warning\(s\)\)/);
  });

  it('check: a broken date exits 1 with file, line and field, and no stack trace', async () => {
    const file = tmp.write(
      '2025-10-02-numero-37.md',
      `${VALID_FRONT_MATTER.replace('2025-10-02', '2 octobre')}\n## S\n\nT.\n`,
    );
    const rel = path.relative(ROOT, file);
    const r = await numero(['check', rel], { NUMERO_ISSUES_DIR: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toContain(`${rel}:3: date: expected YYYY-MM-DD`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('render: a broken issue exits 1 with the same message and writes nothing', async () => {
    const file = tmp.write('vide.md', VALID_FRONT_MATTER);
    const rel = path.relative(ROOT, file);
    const r = await numero(['render', rel, '--out', path.join(out, 'vide')], { NUMERO_ISSUES_DIR: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `${rel}:9: body: empty: write at least one ## section after the front matter`,
    );
    expect(fs.existsSync(path.join(out, 'vide'))).toBe(false);
  });

  it('a template that throws: one line naming the template, its stack only with --debug', async () => {
    const templates = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-templates-'));
    try {
      fs.writeFileSync(
        path.join(templates, 'weekly.tsx'),
        "export default function Weekly() {\n  throw new TypeError('view.sections is not iterable');\n}\n",
      );
      const env = { NUMERO_TEMPLATES_DIR: templates };
      const file = path.relative(ROOT, path.join(ROOT, 'issues/2025-10-02-numero-37.md'));
      const args = ['render', file, '--template', 'weekly.tsx', '--out', path.join(out, 'throws')];
      const plain = await numero(args, env);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('weekly.tsx: view.sections is not iterable');
      expect(plain.stderr).not.toMatch(/\n\s+at /);
      const debug = await numero([...args, '--debug'], env);
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/TypeError: view\.sections is not iterable\n\s+at Weekly/);
    } finally {
      fs.rmSync(templates, { recursive: true, force: true });
    }
  });

  it('render: writes index.html and index.txt for a sample reader and prints their sizes', async () => {
    const dir = path.join(out, '37');
    const r = await numero([
      'render',
      'issues/2025-10-02-numero-37.md',
      '--template',
      'weekly.mjml',
      '--out',
      dir,
      '--reader',
      'claire',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/index\.html\s+\d+\.\d KB/);
    expect(r.stdout).toMatch(/index\.txt\s+\d+\.\d KB/);
    expect(fs.readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('Bonjour Claire,');
    expect(fs.readFileSync(path.join(dir, 'index.txt'), 'utf8')).toContain('Bonjour Claire,');
  });

  it('render: an unknown template is a user error', async () => {
    const r = await numero([
      'render',
      'issues/2025-10-02-numero-37.md',
      '--template',
      'nope.mjml',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'unknown template "nope.mjml" (available in templates: weekly.mjml, weekly.tsx)',
    );
  });

  it('has --help on every command', async () => {
    for (const cmd of ['render', 'check']) {
      const r = await numero([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: numero ${cmd}`);
    }
  });
});
