import { createHash } from 'node:crypto';
import { lintIssue } from '../check/lint.ts';
import type { Issue } from '../content/issue.ts';
import { readIssue } from '../content/load.ts';
import type { ParseContext } from '../content/parse.ts';
import { type Diagnostic, InvalidFileError, NumeroError } from '../errors.ts';
import { type CompiledIssue, compileIssue } from './compile.ts';
import { toFragment } from './fragments.ts';
import { CLIP_LIMIT_BYTES } from './limits.ts';
import { Personalizer } from './personalize.ts';
import { sampleLinks, sampleReader } from './sample-readers.ts';

export interface PrepareOptions {
  templatesDir: string;
  publicUrl: string;
  template?: string | undefined;
}

/**
 * An issue read once, parsed, linted and compiled: what `check` reports, and what send, the preview
 * and the web version use.
 */
export interface PreparedIssue {
  file: string;
  /** The file's text as read (once) and its SHA-256: what a campaign records it sent. */
  source: string;
  contentHash: string;
  issue: Issue | null;
  /** The parser's and the lint's findings (src/check/lint.ts), then the compiled size's, by line. */
  diagnostics: Diagnostic[];
  /** Size of the personalised HTML for a sample reader, when the issue rendered. */
  htmlBytes: number | null;
  textBytes: number | null;
  /** The issue rendered with the checked template, when it rendered. */
  compiled: CompiledIssue | null;
}

export function hasErrors(p: { diagnostics: readonly Diagnostic[] }): boolean {
  return p.diagnostics.some((d) => d.severity === 'error');
}

/** A prepared issue with no error: its issue and compiled form are there. */
export type ReadyIssue = PreparedIssue & { issue: Issue; compiled: CompiledIssue };

/** The issue ready to send, or an InvalidFileError with every error (file, line, field). */
export function requireReady(p: PreparedIssue): ReadyIssue {
  if (hasErrors(p) || !p.issue || !p.compiled) {
    const errors = p.diagnostics.filter((d) => d.severity === 'error');
    throw new InvalidFileError(
      'ISSUE_INVALID',
      errors.length
        ? errors
        : [{ severity: 'error', file: p.file, field: 'issue', message: 'did not render' }],
    );
  }
  return p as ReadyIssue;
}

/**
 * Reads one issue file once, parses it, lints it (src/check/lint.ts) and compiles it with its
 * template, checking the size of the result. `numero check` prints the diagnostics; `send`, the
 * preview and the web version use the compiled issue. Errors stop a send; warnings are advice.
 */
export async function prepareIssue(
  file: string,
  ctx: ParseContext,
  options: PrepareOptions,
): Promise<PreparedIssue> {
  const { issue, diagnostics, source } = readIssue(file, ctx);
  const displayFile = diagnostics[0]?.file ?? issue?.file ?? file;
  const report: PreparedIssue = {
    file: issue?.file ?? file,
    source,
    contentHash: createHash('sha256').update(source).digest('hex'),
    issue,
    diagnostics: [...diagnostics, ...lintIssue(issue, source, file, displayFile)],
    htmlBytes: null,
    textBytes: null,
    compiled: null,
  };
  if (issue && !hasErrors(report)) await compileAndWeigh(report, issue, options, displayFile);
  report.diagnostics.sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  return report;
}

/** Compiles the issue into the report and judges its size against Gmail's clip. */
async function compileAndWeigh(
  report: PreparedIssue,
  issue: Issue,
  options: PrepareOptions,
  displayFile: string,
): Promise<void> {
  const add = (severity: Diagnostic['severity'], line: number | undefined, field: string, message: string) =>
    report.diagnostics.push({ severity, file: displayFile, line, field, message });
  try {
    const compiled = await compileIssue(issue, options);
    report.compiled = compiled;
    const reader = sampleReader();
    const out = new Personalizer(compiled).fill(reader, sampleLinks(options.publicUrl, issue.slug));
    report.htmlBytes = Buffer.byteLength(out.html);
    report.textBytes = Buffer.byteLength(out.text);
    const kb = (report.htmlBytes / 1000).toFixed(1);
    if (report.htmlBytes > CLIP_LIMIT_BYTES) {
      // What weighs most: the section whose HTML is heaviest, named at its heading's line.
      const heaviest = issue.sections
        .map((s) => ({ s, bytes: Buffer.byteLength(toFragment(s.blocks).html) }))
        .sort((a, b) => b.bytes - a.bytes)[0];
      add(
        'error',
        heaviest?.s.line,
        'html',
        `${kb} KB with ${compiled.template}: Gmail clips messages over 102 KB` +
          (heaviest
            ? `; the heaviest section is "${heaviest.s.title.slice(0, 60)}" (${(heaviest.bytes / 1000).toFixed(1)} KB, of ${issue.sections.length} sections): shorten or split it`
            : ''),
      );
    } else if (report.htmlBytes > CLIP_LIMIT_BYTES * 0.85) {
      add(
        'warning',
        undefined,
        'html',
        `${kb} KB with ${compiled.template}: close to Gmail's 102 KB clipping limit`,
      );
    }
  } catch (e) {
    // Whatever went wrong, the editor gets the file and a line, never a stack trace.
    const message = e instanceof NumeroError ? e.message : `cannot render: ${(e as Error).message}`;
    add('error', issue.lineOf('template'), 'template', message);
  }
}
