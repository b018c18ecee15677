import path from 'node:path';
import { listIssueFiles, loadContext, realFileInside } from '../content/load.ts';
import type { ParseContext } from '../content/parse.ts';
import { type Diagnostic, InvalidFileError } from '../errors.ts';
import { hasErrors, type PreparedIssue, prepareIssue } from '../render/prepare.ts';

/** The folders and public address the servers read issues from. */
export interface Workspace {
  issuesDir: string;
  templatesDir: string;
  publicUrl: string;
}

export type ContextResult = { ok: true; ctx: ParseContext } | { ok: false; diagnostics: Diagnostic[] };

/** newsletter.yml and articles.yml, or the errors that keep them from loading. */
export function tryLoadContext(ws: Workspace): ContextResult {
  try {
    return { ok: true, ctx: loadContext(ws) };
  } catch (e) {
    if (e instanceof InvalidFileError) return { ok: false, diagnostics: e.diagnostics };
    throw e;
  }
}

const SLUG = /^[A-Za-z0-9][\w.-]*$/;

/** The issue file for a slug from a URL, or null: never a path outside the issues folder. */
export function issueFileForSlug(ws: Workspace, slug: string): string | null {
  if (!SLUG.test(slug)) return null;
  const file = path.join(ws.issuesDir, `${slug}.md`);
  return listIssueFiles(ws.issuesDir).includes(file) && realFileInside(ws.issuesDir, file) ? file : null;
}

export interface IssueSummary {
  slug: string;
  file: string;
  numero: number | null;
  date: string | null;
  title: string | null;
  subject: string | null;
  status: 'ok' | 'warnings' | 'errors';
  errors: number;
  warnings: number;
}

export function summarize(file: string, report: PreparedIssue): IssueSummary {
  const warnings = report.diagnostics.filter((d) => d.severity === 'warning').length;
  const errors = report.diagnostics.length - warnings;
  const meta = report.issue?.meta;
  return {
    slug: path.basename(file, '.md'),
    file: report.file,
    numero: meta?.numero ?? null,
    date: meta?.date ?? null,
    title: meta?.title ?? null,
    subject: meta?.subject ?? null,
    status: hasErrors(report) ? 'errors' : warnings ? 'warnings' : 'ok',
    errors,
    warnings,
  };
}

/** Every issue with its `check` status, newest first (by date, then file name). */
export async function listSummaries(ws: Workspace, ctx: ParseContext): Promise<IssueSummary[]> {
  const summaries: IssueSummary[] = [];
  for (const file of listIssueFiles(ws.issuesDir)) {
    try {
      summaries.push(summarize(file, await prepareIssue(file, ctx, ws)));
    } catch (e) {
      // One broken issue never hides the others: it is listed with its error.
      const message = (e as Error).message.split('\n')[0] ?? 'unreadable';
      summaries.push({
        slug: path.basename(file, '.md'),
        file,
        numero: null,
        date: null,
        title: message.slice(0, 200),
        subject: null,
        status: 'errors',
        errors: 1,
        warnings: 0,
      });
    }
  }
  return summaries.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || b.slug.localeCompare(a.slug));
}

/**
 * A file next to the issues (an image), or null when the path leaves the folder, is not a media
 * file, or is a symlink whose target lies outside the folder (`x.png -> /proc/self/environ`).
 */
export function issueAsset(ws: Workspace, relPath: string): { file: string; type: string } | null {
  const types: Record<string, string> = {
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.svg': 'image/svg+xml',
    '.pdf': 'application/pdf',
  };
  const root = path.resolve(ws.issuesDir);
  const file = path.resolve(root, relPath);
  const type = types[path.extname(file).toLowerCase()];
  if (!type || !file.startsWith(root + path.sep)) return null;
  const real = realFileInside(root, file);
  return real ? { file: real, type } : null;
}
