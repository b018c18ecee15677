import Handlebars from 'handlebars';
import { labelsFor } from '../content/labels.ts';
import type { CompiledIssue } from './compile.ts';
import { TRACK_FIELD } from './tracked-links.ts';

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
  /** The reader's preferences page; without one (a test copy, the web version) the unsubscribe page. */
  preferencesUrl?: string;
  /** The message's tracking key, in a tracked campaign's links (src/render/tracked-links.ts). */
  tracking?: string;
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

/** A template as a sender sees it per reader: fixed text, or one merge field to execute. */
export type Piece = string | ((ctx: Record<string, unknown>) => string);

/**
 * A template cut into its fixed text and its merge fields, each field (or block, `{{#if}}…{{/if}}`)
 * compiled alone by the same Handlebars instance with the same options, so with the same escaping,
 * helpers and white-space control: joined, the pieces give exactly what the whole template gives.
 * A template with decorators (`{{* x}}`, which act on the whole template) is one piece.
 */
function cut(hbs: typeof Handlebars, source: string, options: CompileOptions): Piece[] {
  const pieces: Piece[] = [];
  for (const st of hbs.parse(source).body) {
    if (st.type === 'ContentStatement') {
      const text = (st as hbs.AST.ContentStatement).value;
      const last = pieces.length - 1;
      if (typeof pieces[last] === 'string') pieces[last] += text;
      else pieces.push(text);
    } else if (st.type === 'Decorator' || st.type === 'DecoratorBlock') {
      return [hbs.compile(source, options)];
    } else if (st.type !== 'CommentStatement') {
      const program: hbs.AST.Program = { type: 'Program', body: [st], blockParams: [], loc: st.loc };
      const compiled = () => hbs.compile(program, options);
      pieces.push(plainField(hbs, st, options, compiled) ?? compiled());
    }
  }
  return pieces;
}

const own = Object.prototype.hasOwnProperty;

/**
 * `{{name}}`, `{{{name}}}` or `{{a.b}}` — a value looked up, no helper, no parameter: most merge
 * fields — as a plain function, because a Handlebars template costs a fixed setup per call (it
 * merges and wraps every registered helper), more than the lookup itself. It does what Handlebars'
 * generated code does for these: own properties only (Handlebars refuses prototype properties by
 * default), a missing value is empty, the value HTML-escaped by Handlebars' own `escapeExpression`
 * unless the field is triple-stashed or the part is not HTML. Null for anything else, which
 * Handlebars then compiles (test/send/prepared.test.ts compares the two on odd values).
 */
function plainField(
  hbs: typeof Handlebars,
  st: hbs.AST.Statement,
  options: CompileOptions,
  compiled: () => HandlebarsTemplateDelegate,
): ((ctx: Record<string, unknown>) => string) | null {
  if (st.type !== 'MustacheStatement') return null;
  const m = st as hbs.AST.MustacheStatement;
  if (m.params.length || m.hash || m.path.type !== 'PathExpression') return null;
  const path = m.path as hbs.AST.PathExpression;
  const parts = path.parts;
  // No `this.`, `../`, `@data`, literal segments, or a name a helper answers to.
  if (path.data || path.depth || !parts.length || path.original !== parts.join('.')) return null;
  if (parts.some((p) => typeof p !== 'string' || p === '' || p === 'this' || p === '..' || p === '.'))
    return null;
  if (parts.length === 1 && own.call(hbs.helpers, parts[0] as string)) return null;
  const escaped = m.escaped && !options.noEscape;
  let general: HandlebarsTemplateDelegate | undefined;
  return (ctx) => {
    let v: unknown = ctx;
    for (const p of parts) {
      if (v == null) break;
      const next = (v as Record<string, unknown>)[p];
      v = next != null && own.call(v, p) ? next : undefined;
    }
    // A function value is a lambda to Handlebars: let it call it.
    if (typeof v === 'function') {
      general ??= compiled();
      return general(ctx);
    }
    // biome-ignore lint/style/useTemplate: Handlebars appends with `+`, which calls valueOf first.
    return escaped ? hbs.Utils.escapeExpression(v as string) : v == null ? '' : '' + v;
  };
}

const TEXT = { ...KNOWN, noEscape: true } as const;

/** Pieces joined for one reader's context. */
function join(pieces: readonly Piece[], ctx: Record<string, unknown>): string {
  let out = '';
  for (const p of pieces) out += typeof p === 'string' ? p : p(ctx);
  return out;
}

/**
 * A part compiled whole by Handlebars, as one template: the reference the pieces are held to in
 * test/send/prepared.test.ts.
 */
export function fillWhole(part: 'html' | 'text', source: string, ctx: Record<string, unknown>): string {
  return part === 'html' ? html.compile(source, KNOWN)(ctx) : plain.compile(source, TEXT)(ctx);
}

/**
 * Render once, execute per reader: the compiled issue's sources are cut into fixed text and merge
 * fields by Handlebars once (see `cut`), then `fill` only executes the fields. HTML fields are
 * escaped; the subject and text part are not HTML, so they are filled without escaping. Built-in
 * fields win over attributes of the same name, so a subscriber attribute can never replace the
 * unsubscribe link.
 */
export class Personalizer {
  private readonly parts: Readonly<Record<'html' | 'text' | 'subject', Piece[]>>;
  private readonly fallbackName: string;

  constructor(compiled: CompiledIssue) {
    this.parts = {
      html: cut(html, compiled.html, KNOWN),
      text: cut(plain, compiled.text, TEXT),
      subject: cut(plain, compiled.subject, TEXT),
    };
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
      preferencesUrl: links.preferencesUrl ?? links.unsubscribeUrl,
      [TRACK_FIELD]: links.tracking ?? '',
    };
  }

  fill(reader: Reader, links: ReaderLinks): Personalized {
    const ctx = this.context(reader, links);
    return { subject: this.subject(ctx), html: join(this.parts.html, ctx), text: join(this.parts.text, ctx) };
  }

  /** The subject for a context made by `context()`: one line. */
  subject(ctx: Record<string, unknown>): string {
    return join(this.parts.subject, ctx).replace(/[\r\n]+/g, ' ');
  }

  /** The HTML or text part as fixed text and merge fields, for a sender that encodes the fixed text once. */
  pieces(part: 'html' | 'text'): readonly Piece[] {
    return this.parts[part];
  }
}
