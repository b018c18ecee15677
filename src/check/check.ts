import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { Issue } from '../content/issue.ts';
import { readIssue, realFileInside } from '../content/load.ts';
import type { ParseContext } from '../content/parse.ts';
import { type Diagnostic, InvalidFileError, NumeroError } from '../errors.ts';
import { type CompiledIssue, compileIssue } from '../render/compile.ts';
import { isRelativeUrl, isSafeUrl, toFragment } from '../render/fragments.ts';
import { CLIP_LIMIT_BYTES } from '../render/limits.ts';
import { findMergeFields, mergeFieldProblem } from '../render/merge-fields.ts';
import { Personalizer } from '../render/personalize.ts';
import { sampleLinks, sampleReader } from '../render/sample-readers.ts';

export { CLIP_LIMIT_BYTES };
export const SUBJECT_WARN_CHARS = 80;

export interface CheckOptions {
  templatesDir: string;
  publicUrl: string;
  template?: string | undefined;
}

/** An issue read once, parsed, linted and compiled: what send, the preview and the web version use. */
export interface CheckReport {
  file: string;
  /** The file's text as read (once) and its SHA-256: what a campaign records it sent. */
  source: string;
  contentHash: string;
  issue: Issue | null;
  diagnostics: Diagnostic[];
  /** Size of the personalised HTML for a sample reader, when the issue rendered. */
  htmlBytes: number | null;
  textBytes: number | null;
  /** The issue rendered with the checked template, when it rendered. */
  compiled: CompiledIssue | null;
}

export function hasErrors(report: CheckReport): boolean {
  return report.diagnostics.some((d) => d.severity === 'error');
}

export type PreparedIssue = CheckReport;

/** A prepared issue with no error: its issue and compiled form are there. */
export type ReadyIssue = CheckReport & { issue: Issue; compiled: CompiledIssue };

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
 * Reads one issue file once, parses it, lints it (front matter, structure, links and images, merge
 * fields) and compiles it with its template, checking the size of the result. `numero check` prints
 * the diagnostics; `send`, the preview and the web version use the compiled issue. Errors stop a
 * send; warnings are advice.
 */
export async function prepareIssue(
  file: string,
  ctx: ParseContext,
  options: CheckOptions,
): Promise<CheckReport> {
  const { issue, diagnostics, source } = readIssue(file, ctx);
  const report: CheckReport = {
    file: issue?.file ?? file,
    source,
    contentHash: createHash('sha256').update(source).digest('hex'),
    issue,
    diagnostics: [...diagnostics],
    htmlBytes: null,
    textBytes: null,
    compiled: null,
  };
  const displayFile = diagnostics[0]?.file ?? issue?.file ?? file;
  const add = (severity: Diagnostic['severity'], line: number | undefined, field: string, message: string) =>
    report.diagnostics.push({ severity, file: displayFile, line, field, message });

  checkMergeFields(source, issue?.meta.fields ?? [], add);
  if (issue) {
    try {
      checkBody(issue, path.dirname(file), add);
    } catch (e) {
      add('error', undefined, 'body', `cannot check: ${(e as Error).message}`);
    }
    if (issue.meta.subject.length > SUBJECT_WARN_CHARS) {
      add(
        'warning',
        issue.lineOf('subject'),
        'subject',
        `${issue.meta.subject.length} characters: inboxes show about 60 to 80`,
      );
    }
  }

  if (issue && !hasErrors(report)) {
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
  report.diagnostics.sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  return report;
}

/** `numero check`'s name for the same step: the lint report is the prepared issue's diagnostics. */
export const checkIssue = prepareIssue;

type Add = (
  severity: Diagnostic['severity'],
  line: number | undefined,
  field: string,
  message: string,
) => void;

function checkMergeFields(source: string, declared: readonly string[], add: Add): void {
  let uses: ReturnType<typeof findMergeFields>;
  try {
    uses = findMergeFields(source);
  } catch {
    // The issue's parser has already said which field cannot be read, at its own line.
    return;
  }
  for (const use of uses) {
    const problem = mergeFieldProblem(use, declared);
    if (problem) add('error', use.line, 'merge field', problem);
  }
}

/** What fits the 343 px text column of a 375 px phone: monospace characters, table columns. */
export const PHONE_CODE_CHARS = 60;
export const PHONE_TABLE_COLUMNS = 4;

function checkBody(issue: Issue, issueDir: string, add: Add): void {
  const boxes = [issue.aside, issue.conclusion].filter((b) => b !== null);
  const blocks = [
    ...issue.intro,
    ...issue.sections.flatMap((s) => s.blocks),
    ...boxes.flatMap((b) => b.blocks),
  ];
  for (const s of issue.sections) {
    if (s.blocks.length === 0) add('warning', s.line, 'section', `"${s.title}" has no text`);
  }
  visit({ type: 'root', children: blocks } as Root, (node) => {
    const line = node.position?.start.line;
    if (node.type === 'image') {
      if (!node.alt?.trim())
        add('error', line, 'image', `no alt text for ${node.url}: write ![what it shows](${node.url})`);
      checkTarget(node.url, 'image', line);
    } else if (node.type === 'link' || node.type === 'definition') {
      checkTarget(node.url, 'link', line);
    } else if (node.type === 'html' && !/^(<!--[\s\S]*-->|<\/[a-z][\w-]*\s*>)$/i.test(node.value.trim())) {
      add(
        'warning',
        line,
        'html',
        `raw HTML is not rendered: use Markdown (${node.value.trim().slice(0, 40)})`,
      );
    } else if (node.type === 'code') {
      const lines = node.value.split('\n');
      const longest = Math.max(...lines.map((l) => [...l].length));
      if (longest > PHONE_CODE_CHARS) {
        const at = lines.findIndex((l) => [...l].length === longest);
        add(
          'warning',
          line === undefined ? undefined : line + 1 + at,
          'code',
          `a code line of ${longest} characters wraps on a phone (about ${PHONE_CODE_CHARS} fit): shorten it if its shape matters`,
        );
      }
    } else if (node.type === 'table') {
      const columns = Math.max(...node.children.map((r) => r.children.length));
      if (columns > PHONE_TABLE_COLUMNS)
        add(
          'warning',
          line,
          'table',
          `${columns} columns: on a phone the table scrolls sideways (${PHONE_TABLE_COLUMNS} fit); split it or turn it into a list`,
        );
    }
  });

  function checkTarget(url: string, field: string, line: number | undefined): void {
    if (!isSafeUrl(url)) {
      add(
        'error',
        line,
        field,
        `${url.slice(0, 80)}: only https, http, mailto, tel and files next to the issue are allowed`,
      );
      return;
    }
    if (/^http:\/\//i.test(url)) add('warning', line, field, `${url} is not https`);
    if (!isRelativeUrl(url)) return;
    let target: string;
    try {
      target = decodeURIComponent(url.split('#')[0] ?? '');
    } catch {
      add('error', line, field, `${url}: malformed %-escape`);
      return;
    }
    if (!target) return;
    const file = path.resolve(issueDir, target);
    if (!fs.existsSync(file)) {
      add(
        'error',
        line,
        field,
        `${url} does not exist (relative to ${path.relative(process.cwd(), issueDir) || '.'})`,
      );
    } else if (realFileInside(issueDir, file) === null && !fs.statSync(file).isDirectory()) {
      add('error', line, field, `${url} resolves outside the issues folder: it would not be served`);
    }
  }
}
