import fs from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { Issue } from '../content/issue.ts';
import { realFileInside } from '../content/load.ts';
import type { Diagnostic } from '../errors.ts';
import { isRelativeUrl, isSafeUrl } from '../render/fragments.ts';
import { findMergeFields, mergeFieldProblem } from '../render/merge-fields.ts';

/**
 * What `check` says about an issue before it is compiled: merge fields (declared, readable, not
 * triple-braced), the body (empty sections, links and images, code and tables too wide for a phone)
 * and the subject's length. The compiled size is judged where the issue is compiled
 * (src/render/prepare.ts).
 */
export const SUBJECT_WARN_CHARS = 80;

/** The lint's findings, in the order found (prepareIssue sorts them by line). */
export type LintReport = Diagnostic[];

export function lintIssue(
  issue: Issue | null,
  source: string,
  file: string,
  displayFile: string,
): LintReport {
  const found: LintReport = [];
  const add: Add = (severity, line, field, message) =>
    found.push({ severity, file: displayFile, line, field, message });
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
  return found;
}

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
