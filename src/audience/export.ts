import type { Writable } from 'node:stream';
import { membersPage } from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import type { MembershipStatus } from '../store/schema.ts';

const PAGE = 2000;

/**
 * Writes a list's members as CSV rows (email, name, status, then every attribute column) in pages,
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
  const attributeColumns = [...keys].filter((k) => !['email', 'name', 'status'].includes(k)).sort();
  const out = open(['email', 'name', 'status', ...attributeColumns]);
  let n = 0;
  for (let after = 0; ; ) {
    const page = await membersPage(store.db, listId, after, PAGE, status);
    if (!page.length) break;
    for (const m of page) {
      const attrs = JSON.parse(m.attributes) as Record<string, string>;
      // Own properties only: a column named `constructor` or `__proto__` is data, not the prototype's.
      const cell = (k: string) => (Object.hasOwn(attrs, k) ? String(attrs[k] ?? '') : '');
      const ok = out.write([m.email, m.name ?? '', m.status, ...attributeColumns.map(cell)]);
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
