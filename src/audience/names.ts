/**
 * A reader's first and last names. Imports from separate first/last columns keep the first name as
 * the attribute `first_name` (src/audience/formats.ts): it wins, empty included, so a reader with
 * only a last name gets the documented fallback, never «Bonjour Peeters». Otherwise the name's first
 * word is the first name.
 */
export function nameParts(
  name: string | null,
  attributes: Record<string, unknown>,
): { firstName: string | undefined; lastName: string | undefined } {
  const full = (name ?? '').trim();
  const given = attributes.first_name;
  if (typeof given === 'string') {
    const first = given.trim();
    const last = first && full.startsWith(first) ? full.slice(first.length).trim() : first ? '' : full;
    return { firstName: first || undefined, lastName: last || undefined };
  }
  const [first, ...rest] = full.split(/\s+/);
  return { firstName: first || undefined, lastName: rest.join(' ') || undefined };
}
