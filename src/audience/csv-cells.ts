import type { MembershipStatus } from '../store/schema.ts';

/**
 * What numero's CSV columns mean, both ways: the reader's standing on the list travels with them
 * (`status`, with when and how it last changed), so an export imported elsewhere keeps every
 * unsubscribe; and a cell that a spreadsheet would run as a formula is escaped on the way out and
 * restored on the way in.
 */
export const STATUS_COLUMNS = ['status', 'status_changed_at', 'status_source'] as const;

const STATUS_WORDS: Record<string, MembershipStatus> = {
  active: 'active',
  subscribed: 'active',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  cleaned: 'bounced',
  complained: 'complained',
};

/** The membership status a cell names (empty = active), or null when it names none. */
export function statusOf(cell: string | undefined): MembershipStatus | null {
  const v = (cell ?? '').trim().toLowerCase();
  return v === '' ? 'active' : (STATUS_WORDS[v] ?? null);
}

const FORMULA = /^[=+\-@\t\r]/;

/** A cell a spreadsheet would evaluate (`=HYPERLINK(…)`, `+1`, `@SUM`) is written with a leading `'`. */
export function escapeFormula(cell: string): string {
  return FORMULA.test(cell) ? `'${cell}` : cell;
}

/** The inverse of escapeFormula, so an exported file imports back unchanged. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell.slice(1)) ? cell.slice(1) : cell;
}
