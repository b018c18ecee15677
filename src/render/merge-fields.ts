import Handlebars from 'handlebars';

/** Fields every reader has. Subscriber attributes used by an issue are declared in its `fields:`. */
export const BUILTIN_FIELDS = [
  'firstName',
  'lastName',
  'name',
  'email',
  'unsubscribeUrl',
  'browserUrl',
  'preferencesUrl',
] as const;
/** `{{default field "fallback"}}` prints the fallback when the field is empty. */
export const HELPERS = ['default'] as const;
const BLOCK_HELPERS = ['if', 'unless'] as const;

export interface MergeFieldUse {
  name: string;
  line: number;
  column: number;
  /** `{{{x}}}` or `{{& x}}`: inserted without HTML escaping. */
  raw: boolean;
  kind: 'field' | 'helper' | 'block' | 'partial';
}

type HbsNode = {
  type: string;
  loc?: { start: { line: number; column: number } };
  path?: HbsNode & { original?: string };
  params?: HbsNode[];
  escaped?: boolean;
  body?: HbsNode[];
  program?: HbsNode;
  inverse?: HbsNode;
  original?: unknown;
};

/** Every merge field in a Handlebars source, with its position. Throws Handlebars' parse error. */
export function findMergeFields(source: string): MergeFieldUse[] {
  const uses: MergeFieldUse[] = [];
  const at = (n: HbsNode) => ({ line: n.loc?.start.line ?? 1, column: n.loc?.start.column ?? 0 });
  const walk = (node: HbsNode | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        node.body?.forEach(walk);
        return;
      case 'MustacheStatement':
      case 'SubExpression': {
        const name = String(node.path?.original ?? '');
        const hasParams = (node.params?.length ?? 0) > 0;
        uses.push({ name, ...at(node), raw: node.escaped === false, kind: hasParams ? 'helper' : 'field' });
        node.params?.forEach(walk);
        return;
      }
      case 'BlockStatement':
        uses.push({ name: String(node.path?.original ?? ''), ...at(node), raw: false, kind: 'block' });
        node.params?.forEach(walk);
        walk(node.program);
        walk(node.inverse);
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        uses.push({ name: String(node.path?.original ?? ''), ...at(node), raw: true, kind: 'partial' });
        return;
      case 'PathExpression':
        uses.push({ name: String(node.original ?? ''), ...at(node), raw: false, kind: 'field' });
        return;
      default:
        return;
    }
  };
  walk(Handlebars.parse(source) as unknown as HbsNode);
  return uses;
}

/** What is wrong with one use, or null. `declared` are the issue's own `fields:`. */
export function mergeFieldProblem(use: MergeFieldUse, declared: readonly string[]): string | null {
  const known = new Set<string>([...BUILTIN_FIELDS, ...declared]);
  if (use.kind === 'partial') return `partials are not allowed ({{> ${use.name}}})`;
  if (use.raw) return `{{{${use.name}}}} inserts reader data without HTML escaping: use {{${use.name}}}`;
  if (use.kind === 'block') {
    return (BLOCK_HELPERS as readonly string[]).includes(use.name)
      ? null
      : `unknown block helper "${use.name}" (known: ${BLOCK_HELPERS.join(', ')})`;
  }
  if (use.kind === 'helper') {
    return (HELPERS as readonly string[]).includes(use.name)
      ? null
      : `unknown helper "${use.name}" (known: ${HELPERS.join(', ')})`;
  }
  if (!known.has(use.name)) {
    return `unknown merge field "${use.name}" (known: ${[...known].join(', ')}; declare subscriber attributes in fields:)`;
  }
  return null;
}
