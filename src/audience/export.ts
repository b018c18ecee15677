import type { Writable } from 'node:stream';
import { membersPage } from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import type { MembershipStatus } from '../store/schema.ts';
import { escapeFormula, STATUS_COLUMNS } from './csv-cells.ts';

const PAGE = 2000;

/**
 * Writes a list's members as CSV rows (email, name, status, when and how it changed, then every
 * attribute column; formula-like cells escaped) in pages,
 * so memory stays flat. Two passes: the first finds the attribute columns, the second writes.
 * The output is a CSV that `subscribers import` reads back.
 */
export async function exportMembers(
  store: Store,
  listId: number,
  status: MembershipStatus | undefined,
  open: (columns: string[]) => Writable,
): Promise<number> {
  const keys = new Set<string>();
  for (let after = 0; ; ) {
    const page = await membersPage(store.db, listId, after, PAGE, status);
    if (!page.length) break;
    for (const m of page) for (const k of Object.keys(JSON.parse(m.attributes) as object)) keys.add(k);
    after = page.at(-1)?.id ?? after;
  }
  const reserved = new Set<string>(['email', 'name', ...STATUS_COLUMNS]);
  const attributeColumns = [...keys].filter((k) => !reserved.has(k)).sort();
  const out = open(['email', 'name', ...STATUS_COLUMNS, ...attributeColumns]);
  let n = 0;
  for (let after = 0; ; ) {
    const page = await membersPage(store.db, listId, after, PAGE, status);
    if (!page.length) break;
    for (const m of page) {
      const attrs = JSON.parse(m.attributes) as Record<string, string>;
      // Own properties only: a column named `constructor` or `__proto__` is data, not the prototype's.
      const cell = (k: string) => escapeFormula(Object.hasOwn(attrs, k) ? String(attrs[k] ?? '') : '');
      const ok = out.write([
        m.email,
        escapeFormula(m.name ?? ''),
        m.status,
        m.status_changed_at,
        m.status_source,
        ...attributeColumns.map(cell),
      ]);
      n++;
      if (!ok) await new Promise((resolve) => out.once('drain', resolve));
    }
    after = page.at(-1)?.id ?? after;
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
  return n;
}
