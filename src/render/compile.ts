import path from 'node:path';
import type { Issue } from '../content/issue.ts';
import { listTemplates } from '../content/load.ts';
import { NumeroError } from '../errors.ts';
import { renderMjml } from './engines/mjml.ts';
import { renderReact } from './engines/react.ts';
import { restoreMustaches } from './mustache.ts';
import { renderText } from './text.ts';
import { buildView } from './view.ts';

export type Engine = 'react' | 'mjml';

/**
 * An issue rendered once: Handlebars sources whose only remaining fields are per-reader ones.
 * Serializable, so a campaign can store exactly what its readers will get.
 */
export interface CompiledIssue {
  slug: string;
  template: string;
  engine: Engine;
  lang: string;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

export function engineOf(template: string): Engine {
  return template.endsWith('.mjml') ? 'mjml' : 'react';
}

export interface CompileOptions {
  templatesDir: string;
  publicUrl: string;
  /** A template file name in templatesDir, instead of the issue's own. */
  template?: string | undefined;
}

export async function compileIssue(issue: Issue, options: CompileOptions): Promise<CompiledIssue> {
  const { templatesDir } = options;
  const template = options.template ?? issue.meta.template;
  const available = listTemplates(templatesDir);
  if (!available.includes(template)) {
    throw new NumeroError(
      'TEMPLATE_NOT_FOUND',
      `unknown template "${template}" (available in ${path.relative(process.cwd(), templatesDir) || '.'}: ${available.join(', ')})`,
    );
  }
  const file = path.join(templatesDir, template);
  const view = buildView(issue, { publicUrl: options.publicUrl });
  const engine = engineOf(template);
  const html = engine === 'mjml' ? await renderMjml(file, view) : await renderReact(file, view);
  return {
    slug: issue.slug,
    template,
    engine,
    lang: issue.meta.lang,
    subject: issue.meta.subject,
    preheader: issue.meta.preheader,
    html: restoreMustaches(html),
    // html-to-text writes links as `text [url]`, with the URL's `{{` percent-encoded like the HTML's.
    text: restoreMustaches(renderText(view)),
  };
}
