/**
 * Codes in a refusal's text: the RFC 3463 enhanced status ("5.1.1") and the SMTP reply code (550).
 * Bounded patterns only (no nested repetition): they run in linear time on any input.
 */
const ENHANCED = /(?<![\d.])([245])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/g;
const AFTER_REPLY = /(?<![\d.])([245]\d\d)[ -]{1,3}['"(]?([245])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/g;
const REPLY = /(?:^|[\s(:'"[<])([245]\d\d)(?=[ -]|$)/gm;

const generic = (code: string) => code.endsWith('.0.0');

/**
 * The status that says most: the code right after a reply code (the receiving server's own), then
 * the DSN's Status when it is specific, then any specific code in the text, then a generic X.0.0
 * from either.
 */
export function pickStatus(text: string, dsnStatus: string | null): string | null {
  const afterReply = [...text.slice(0, 64 * 1024).matchAll(AFTER_REPLY)].map(
    (m) => `${m[2]}.${m[3]}.${m[4]}`,
  );
  const specific = afterReply.find((c) => !generic(c));
  if (specific) return specific;
  const dsn = dsnStatus ? normalStatus(dsnStatus) : null;
  if (dsn && !generic(dsn)) return dsn;
  const any = [...text.slice(0, 64 * 1024).matchAll(ENHANCED)].map((m) => `${m[1]}.${m[2]}.${m[3]}`);
  return any.find((c) => !generic(c)) ?? dsn ?? afterReply[0] ?? any[0] ?? null;
}

/** "5.1.1 (permanent failure)" → "5.1.1". */
export function normalStatus(value: string): string | null {
  ENHANCED.lastIndex = 0;
  const m = ENHANCED.exec(value.slice(0, 200));
  ENHANCED.lastIndex = 0;
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

/** The first SMTP reply code that a refusal carries (4xx or 5xx), or null. */
export function replyCode(text: string): number | null {
  for (const m of text.slice(0, 64 * 1024).matchAll(REPLY)) {
    const n = Number(m[1]);
    if (n >= 400) return n;
  }
  return null;
}
