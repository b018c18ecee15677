import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue } from '../../src/content/issue.ts';
import { listIssueFiles, loadContext, loadIssue } from '../../src/content/load.ts';
import type { ParseContext } from '../../src/content/parse.ts';
import { type CompiledIssue, compileIssue } from '../../src/render/compile.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ISSUES_DIR = path.join(ROOT, 'issues');
export const TEMPLATES_DIR = path.join(ROOT, 'templates');
export const PUBLIC_URL = 'https://lettre.example.org';
export const DIRS = { issuesDir: ISSUES_DIR, templatesDir: TEMPLATES_DIR };

export function repoContext(): ParseContext {
  return loadContext(DIRS);
}

let context: ParseContext | undefined;

/** An issue file read with the repo's newsletter.yml and articles.yml and rendered with its templates. */
export async function compileRepoFile(
  file: string,
  template?: string,
): Promise<{ issue: Issue; compiled: CompiledIssue }> {
  context ??= repoContext();
  const issue = loadIssue(file, DIRS, context);
  const compiled = await compileIssue(issue, {
    templatesDir: TEMPLATES_DIR,
    publicUrl: PUBLIC_URL,
    template,
  });
  return { issue, compiled };
}

export const VALID_FRONT_MATTER = `---
numero: 37
date: 2025-10-02
title: Titre
subject: Sujet
preheader: Préheader de test
author: Kadir Duran
---
`;

/** A temporary issues folder with the repo's newsletter.yml and articles.yml; removed by `cleanup`. */
export function tempIssuesDir(): {
  dir: string;
  write: (name: string, body: string) => string;
  cleanup: () => void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-issues-'));
  for (const f of ['newsletter.yml', 'articles.yml'])
    fs.copyFileSync(path.join(ISSUES_DIR, f), path.join(dir, f));
  return {
    dir,
    write: (name, body) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, body);
      return file;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `##` headings of an issue file, read straight from its Markdown. */
export function sourceHeadings(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('## '))
    .map((l) => l.slice(3).trim());
}

/** The repository's issues, and the test issues written to break layouts and typography. */
export function issuesAndRenderFixtures(): string[] {
  const dir = path.join(ROOT, 'test/fixtures/render-issues');
  return [
    ...listIssueFiles(ISSUES_DIR),
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(dir, f)),
  ];
}
