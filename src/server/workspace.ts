import path from 'node:path';
import { listIssueFiles, loadContext, realFileInside } from '../content/load.ts';
import type { ParseContext } from '../content/parse.ts';
import { type Diagnostic, InvalidFileError } from '../errors.ts';
import { hasErrors, type PreparedIssue, prepareIssue } from '../render/prepare.ts';
import type { Workspace } from './issue-files.ts';

export type { Workspace } from './issue-files.ts';

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
