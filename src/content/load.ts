import fs from 'node:fs';
import path from 'node:path';
import { type Diagnostic, InvalidFileError, NumeroError } from '../errors.ts';
import { loadArticles, loadNewsletter } from './data.ts';
import type { Issue } from './issue.ts';
import { type ParseContext, parseIssue } from './parse.ts';

export interface ContentDirs {
  issuesDir: string;
  templatesDir: string;
}

/** Template files in templates/ that an issue can name. */
export function listTemplates(templatesDir: string): string[] {
  if (!fs.existsSync(templatesDir)) return [];
  return fs
    .readdirSync(templatesDir)
    .filter((f) => /\.(tsx|mjml)$/.test(f))
    .sort();
}

/**
 * Issue files (`*.md`) in issues/, sorted by name (date first by convention). A symlink counts only
 * when its target is a file inside the folder: a link to anything else is never read or served.
 */
export function listIssueFiles(issuesDir: string): string[] {
  if (!fs.existsSync(issuesDir)) return [];
  return fs
    .readdirSync(issuesDir)
    .filter((f) => f.endsWith('.md') && !f.startsWith('_') && f !== 'README.md')
    .sort()
    .map((f) => path.join(issuesDir, f))
    .filter((f) => realFileInside(issuesDir, f) !== null);
}

/** The real path of `file` when it is a file whose real path lies inside `root`'s; else null (ELOOP too). */
export function realFileInside(root: string, file: string): string | null {
  try {
    const realRoot = fs.realpathSync(root);
    const real = fs.realpathSync(file);
    return real.startsWith(realRoot + path.sep) && fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

export function loadContext(dirs: ContentDirs): ParseContext {
  return {
    newsletter: loadNewsletter(dirs.issuesDir),
    articles: loadArticles(dirs.issuesDir),
    templates: listTemplates(dirs.templatesDir),
  };
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Reads and parses one issue; returns the diagnostics instead of throwing so `check` can list them all. */
export function readIssue(
  file: string,
  ctx: ParseContext,
): { issue: Issue | null; diagnostics: Diagnostic[]; source: string } {
  if (!fs.existsSync(file)) throw new NumeroError('ISSUE_NOT_FOUND', `${displayPath(file)}: no such file`);
  const source = fs.readFileSync(file, 'utf8');
  return { ...parseIssue(source, displayPath(file), path.basename(file, '.md'), ctx), source };
}

/** Reads one issue or throws every error it has. */
export function loadIssue(file: string, dirs: ContentDirs, ctx: ParseContext = loadContext(dirs)): Issue {
  const { issue, diagnostics } = readIssue(file, ctx);
  if (!issue)
    throw new InvalidFileError(
      'ISSUE_INVALID',
      diagnostics.filter((d) => d.severity === 'error'),
    );
  return issue;
}
