import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InvalidFileError } from '../errors.ts';
import { parseYaml } from './yaml.ts';

/**
 * Text that goes into every reader's message but is data, not a template: a `{{…}}` in it would be
 * evaluated per reader (`{{{name}}}` unescaped, `{{#each this}}` dumping every field), so none is allowed.
 */
const dataText = () =>
  z
    .string()
    .trim()
    .refine(
      (v) => !/\{\{|\}\}/.test(v),
      'merge fields ({{…}}) are not allowed in this file: it is data, not a template',
    );

/** issues/newsletter.yml: who publishes the newsletter (shown in the masthead and footer). */
export const NewsletterSchema = z
  .object({
    name: dataText().pipe(z.string().min(1, 'required')),
    tagline: dataText().optional(),
    publisher: dataText().pipe(z.string().min(1, 'required')),
    /** Required by anti-spam law (CAN-SPAM, LCEN): a real postal address of the sender. */
    postalAddress: dataText().pipe(z.string().min(1, 'required')),
    from: dataText().pipe(z.string().min(3, 'required')),
    copyright: dataText().optional(),
  })
  .strict();
export type Newsletter = z.infer<typeof NewsletterSchema>;

/** issues/articles.yml: the archive of related articles an issue can reference by id. */
export const ArticleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'expected lower-case letters, digits and dashes'),
    headline: dataText().pipe(z.string().min(1, 'required')),
    teaser: dataText().pipe(z.string().min(1, 'required')),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional(),
    // A URL is data too: no braces, written or percent-encoded (the renderer would turn %7B%7B back into {{).
    url: z
      .url({ protocol: /^https?$/, error: 'expected an absolute https:// (or http://) URL' })
      .refine(
        (v) => !/[{}]|%7[bd]/i.test(v),
        'merge fields ({{…}}) and braces are not allowed in a URL of this file: it is data, not a template',
      )
      .optional(),
  })
  .strict();
export type Article = z.infer<typeof ArticleSchema>;
const ArticlesSchema = z.array(ArticleSchema);

export const NEWSLETTER_FILE = 'newsletter.yml';
export const ARTICLES_FILE = 'articles.yml';

function readYamlFile<S extends z.ZodType>(file: string, schema: S, emptyValue: unknown): z.infer<S> {
  const result = parseYaml(
    fs.readFileSync(file, 'utf8'),
    path.relative(process.cwd(), file),
    1,
    schema,
    emptyValue,
  );
  if (!result.ok) throw new InvalidFileError('DATA_INVALID', result.diagnostics);
  return result.data;
}

export function loadNewsletter(issuesDir: string): Newsletter {
  const file = path.join(issuesDir, NEWSLETTER_FILE);
  if (!fs.existsSync(file)) {
    throw new InvalidFileError('DATA_INVALID', [
      { severity: 'error', file: path.relative(process.cwd(), file), field: 'file', message: 'missing' },
    ]);
  }
  return readYamlFile(file, NewsletterSchema, {});
}

/** Articles by id; a missing articles.yml is an empty archive. Duplicate ids are an error. */
export function loadArticles(issuesDir: string): Map<string, Article> {
  const file = path.join(issuesDir, ARTICLES_FILE);
  if (!fs.existsSync(file)) return new Map();
  const list = readYamlFile(file, ArticlesSchema, []);
  const byId = new Map<string, Article>();
  list.forEach((a, i) => {
    if (byId.has(a.id)) {
      throw new InvalidFileError('DATA_INVALID', [
        {
          severity: 'error',
          file: path.relative(process.cwd(), file),
          field: `[${i}].id`,
          message: `duplicate id "${a.id}"`,
        },
      ]);
    }
    byId.set(a.id, a);
  });
  return byId;
}
