import Handlebars from 'handlebars';
import { labelsFor } from '../content/labels.ts';
import type { CompiledIssue } from './compile.ts';

/** A reader as personalisation sees them; `attributes` are the subscriber's extra columns. */
export interface Reader {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  attributes?: Readonly<Record<string, unknown>> | undefined;
}

export interface ReaderLinks {
  unsubscribeUrl: string;
  browserUrl: string;
}

export interface Personalized {
  subject: string;
  html: string;
  text: string;
}

function withHelpers(hbs: typeof Handlebars): typeof Handlebars {
  hbs.registerHelper('default', (value: unknown, fallback: unknown) =>
    value === undefined || value === null || value === '' ? fallback : value,
  );
  // A merge field inside a URL (compile inserts it): the value percent-encoded, as a URL needs it.
  hbs.registerHelper('url', (value: unknown) =>
    value === undefined || value === null ? '' : encodeURIComponent(String(value)),
  );
  return hbs;
}

const html = withHelpers(Handlebars.create());
const plain = withHelpers(Handlebars.create());
const KNOWN = { knownHelpers: { default: true, url: true }, strict: false } as const;

/**
 * Render once, execute per reader: the compiled issue's sources are compiled by Handlebars once,
 * then `fill` only executes them. HTML fields are escaped; the subject and text part are not HTML,
 * so they are filled without escaping. Built-in fields win over attributes of the same name, so a
 * subscriber attribute can never replace the unsubscribe link.
 */
export class Personalizer {
  private readonly htmlTemplate: HandlebarsTemplateDelegate;
  private readonly textTemplate: HandlebarsTemplateDelegate;
  private readonly subjectTemplate: HandlebarsTemplateDelegate;
  private readonly fallbackName: string;

  constructor(compiled: CompiledIssue) {
    this.htmlTemplate = html.compile(compiled.html, KNOWN);
    this.textTemplate = plain.compile(compiled.text, { ...KNOWN, noEscape: true });
    this.subjectTemplate = plain.compile(compiled.subject, { ...KNOWN, noEscape: true });
    this.fallbackName = labelsFor(compiled.lang).fallbackName;
    // Handlebars compiles lazily; do it now so the first reader pays no more than the others.
    this.fill({ email: 'warm-up@example.invalid' }, { unsubscribeUrl: '', browserUrl: '' });
  }

  context(reader: Reader, links: ReaderLinks): Record<string, unknown> {
    const first = reader.firstName?.trim() ?? '';
    const last = reader.lastName?.trim() ?? '';
    return {
      ...reader.attributes,
      email: reader.email,
      firstName: first || this.fallbackName,
      lastName: last,
      name: [first, last].filter(Boolean).join(' ') || this.fallbackName,
      unsubscribeUrl: links.unsubscribeUrl,
      browserUrl: links.browserUrl,
    };
  }

  fill(reader: Reader, links: ReaderLinks): Personalized {
    const ctx = this.context(reader, links);
    return {
      subject: this.subjectTemplate(ctx).replace(/[\r\n]+/g, ' '),
      html: this.htmlTemplate(ctx),
      text: this.textTemplate(ctx),
    };
  }
}
