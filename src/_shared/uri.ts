/** A %-decoded URL part, or the part as written when it holds a stray `%` (never a URIError). */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
