import { z } from 'zod';
import { parseYaml, type YamlResult } from './yaml.ts';

/** The front matter of an issue file. `numero: 0` marks an issue published without a number. */
export const FrontMatterSchema = z
  .object({
    numero: z
      .number({ error: (i) => (i.input === undefined ? 'required' : 'expected an integer') })
      .int('expected an integer')
      .min(0, 'expected 0 or more'),
    date: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'expected YYYY-MM-DD') })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected YYYY-MM-DD', abort: true })
      .refine(isCalendarDate, 'not a calendar date'),
    title: requiredText(),
    subject: requiredText().max(150, 'longer than 150 characters'),
    preheader: requiredText().max(150, 'longer than 150 characters (inboxes show about 90 to 140)'),
    author: requiredText(),
    lang: z
      .string({ error: 'expected a language tag such as fr or en' })
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as fr or en')
      .default('fr'),
    template: z
      .string({ error: 'expected a file name in templates/, such as weekly.tsx or weekly.mjml' })
      .regex(/^[\w.-]+\.(tsx|mjml)$/, 'expected a file name in templates/, such as weekly.tsx or weekly.mjml')
      .optional(),
    /** Ids of articles in articles.yml, shown in the "À lire aussi" block. */
    related: z.array(z.string({ error: 'expected an article id from articles.yml' })).default([]),
    /** Subscriber attributes this issue uses as merge fields, beyond the built-in ones. */
    fields: z.array(z.string().regex(/^[A-Za-z_]\w*$/, 'expected a field name')).default([]),
  })
  .strict();

export type FrontMatter = z.infer<typeof FrontMatterSchema>;

function requiredText() {
  return z
    .string({ error: (i) => (i.input === undefined ? 'required' : 'expected text') })
    .trim()
    .min(1, 'must not be empty');
}

function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Validates the YAML between the `---` fences; `firstLine` is the file line of the YAML's first line. */
export function parseFrontMatter(yamlText: string, file: string, firstLine: number): YamlResult<FrontMatter> {
  const result = parseYaml(yamlText, file, firstLine, FrontMatterSchema);
  if (!result.ok) {
    for (const d of result.diagnostics) {
      if (d.field === 'yaml') d.field = 'front matter';
      if (d.message === 'unknown field')
        d.message = `unknown field (known: ${Object.keys(FrontMatterSchema.shape).join(', ')})`;
    }
  }
  return result;
}
