import fs from 'node:fs';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { NumeroError } from '../../errors.ts';
import { responsiveCss } from '../theme.ts';
import type { IssueView } from '../view.ts';

/**
 * An MJML template: Handlebars over MJML. The issue's content is expanded into the MJML source first
 * (MJML silently drops text between structural tags, so no loop may survive into the compile), then
 * MJML compiles once at the `strict` level. Per-reader fields reach the output as literal `{{…}}`
 * because the view carries them as values (`view.links.unsubscribe` is the string `{{unsubscribeUrl}}`).
 */
const issueLevel = Handlebars.create();

export async function renderMjml(templateFile: string, view: IssueView): Promise<string> {
  const source = fs.readFileSync(templateFile, 'utf8');
  let expanded: string;
  try {
    expanded = issueLevel.compile(source, { strict: true })({ view, css: responsiveCss() });
  } catch (cause) {
    throw new NumeroError('TEMPLATE_FAILED', `${templateFile}: ${(cause as Error).message}`, { cause });
  }
  try {
    const result = await mjml2html(expanded, {
      validationLevel: 'strict',
      filePath: templateFile,
      keepComments: false,
      minify: true,
      // htmlnano, whitespace collapsed conservatively (one space kept where one was), CSS left as written.
      minifyOptions: { collapseWhitespace: true, minifyCss: false },
    });
    return result.html;
  } catch (cause) {
    const detail = (cause as { errors?: Array<{ line: number; message: string; tagName: string }> }).errors;
    const message = detail?.length
      ? detail.map((e) => `${templateFile}: expanded line ${e.line}: ${e.tagName}: ${e.message}`).join('\n')
      : `${templateFile}: ${(cause as Error).message}`;
    throw new NumeroError('TEMPLATE_FAILED', message, { cause });
  }
}
