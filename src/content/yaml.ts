import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import type { Diagnostic } from '../errors.ts';

export type YamlResult<T> =
  | { ok: true; data: T; lineOf: (path: readonly PropertyKey[]) => number }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Parses YAML and validates it with a zod schema, turning every problem into a diagnostic that
 * names the file line of the offending key. `firstLine` is the file line of the YAML's first line
 * (2 for front matter after its `---`, 1 for a data file).
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  firstLine: number,
  schema: S,
  emptyValue: unknown = {},
): YamlResult<z.infer<S>> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const toFileLine = (offset: number) => counter.linePos(offset).line + firstLine - 1;
  const err = (line: number, field: string, message: string): Diagnostic => ({
    severity: 'error',
    file,
    line,
    field,
    message,
  });

  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) =>
        err(
          toFileLine(e.pos[0]),
          'yaml',
          `invalid YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
        ),
      ),
    };
  }

  const lineOf = (path: readonly PropertyKey[]): number => {
    let node = doc.contents as YamlNode | null;
    let line = firstLine === 1 ? 1 : firstLine - 1;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
        if (!pair) break;
        if (isScalar(pair.key) && pair.key.range) line = toFileLine(pair.key.range[0]);
        node = pair.value as YamlNode | null;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part] as YamlNode | undefined;
        if (!item) break;
        if (item.range) line = toFileLine(item.range[0]);
        node = item;
      } else break;
    }
    return line;
  };

  let value: unknown;
  try {
    // Aliases are expanded with a bound: a "billion laughs" document is an error, not a hang or a crash.
    value = doc.toJS({ maxAliasCount: 100 }) ?? emptyValue;
  } catch (e) {
    return {
      ok: false,
      diagnostics: [err(firstLine, 'yaml', `invalid YAML: ${(e as Error).message.split('\n')[0]}`)],
    };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data, lineOf };

  const diagnostics: Diagnostic[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        diagnostics.push(err(lineOf([...issue.path, key]), fieldName([...issue.path, key]), 'unknown field'));
      }
      continue;
    }
    diagnostics.push(err(lineOf(issue.path), fieldName(issue.path) || 'yaml', issue.message));
  }
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, diagnostics };
}

export function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${String(p)}` : String(p)))
    .join('');
}
