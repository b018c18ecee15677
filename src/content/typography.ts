/**
 * Typographic clean-up applied to the words of an issue (never to code, URLs or merge fields).
 *
 * French (Imprimerie nationale, as most French newsrooms apply it):
 * - a narrow no-break space (U+202F) before `; ! ?` and inside « », a no-break space (U+00A0) before `:`;
 *   a missing space is added, a normal one is replaced, so the sign never starts a line;
 * - straight quotes become « … », straight apostrophes ’, `...` becomes …;
 * - thousands groups written with a space (8 000) are tied with U+202F, and a number is tied to the
 *   word, unit or % that follows it (200 MW, 60 %, 2 octobre); a spaced dash is tied to the word before.
 *   Numbers written 120.000 or 1,5 contain no space and are left as written.
 * English gets only the apostrophe, quotes “ ” and ellipsis.
 * The non-breaking hyphen U+2011 and other characters the editor typed are kept as they are.
 */
export const NNBSP = '\u202F';
export const NBSP = '\u00A0';

const MUSTACHE = /(\{\{\{?[\s\S]*?\}?\}\})/;

export function typeset(text: string, lang: string): string {
  // Merge fields ({{…}}) pass through untouched: their quotes and spaces are Handlebars syntax.
  const parts = text.split(MUSTACHE);
  return parts.map((part, i) => (i % 2 === 1 ? part : typesetPlain(part, lang))).join('');
}

function typesetPlain(s: string, lang: string): string {
  let t = s.replace(/\.\.\./g, '…').replace(/(\p{L})'(?=\p{L})/gu, '$1’');
  if (lang.startsWith('fr')) return french(t);
  t = t
    .replace(/"([^"\n]*)"/g, '“$1”')
    .replace(/(^|[\s(])'/g, '$1‘')
    .replace(/'/g, '’');
  return t;
}

const SPACES = '[ \\u00A0\\u202F\\t]';

function french(input: string): string {
  let t = input;
  // Straight double quotes, paired on the same line.
  t = t.replace(/"([^"\n]*)"/g, (_m, inner: string) => `«${inner.trim()}»`);
  // « and » take a narrow no-break space inside.
  t = t.replace(new RegExp(`«${SPACES}*`, 'g'), `«${NNBSP}`);
  t = t.replace(new RegExp(`${SPACES}*»`, 'g'), `${NNBSP}»`);
  // ; ! ? : a narrow no-break space before, added when missing, only where the sign ends a word
  // (followed by a space, closing sign or the end), so `?utm=` or `!important` stay as they are.
  t = t.replace(
    new RegExp(`(\\S?)${SPACES}*([;!?]+)(?=$|[\\s»)\\]"'’.,…])`, 'g'),
    (_m, before: string, signs: string) => (before === '' ? `${NNBSP}${signs}` : `${before}${NNBSP}${signs}`),
  );
  // Colon: a no-break space before when it is followed by a space or ends the text (not in 10:30 or https://).
  t = t.replace(new RegExp(`(\\S)${SPACES}*:(?=$|\\s)`, 'g'), `$1${NBSP}:`);
  // Thousands written with spaces: 8 000, 1 000 000; the first group has at most three digits, so a
  // year before a count (`en 2024 300 entreprises`) stays two numbers.
  t = t.replace(new RegExp(`(?<![\\d,.])\\d{1,3}(?:${SPACES}\\d{3})+(?!\\d)`, 'g'), (m) =>
    m.replace(new RegExp(SPACES, 'g'), NNBSP),
  );
  // Hours: 14 h 30 never breaks.
  t = t.replace(new RegExp(`(\\d)${SPACES}h${SPACES}(?=\\d{2}\\b)`, 'g'), `$1${NBSP}h${NBSP}`);
  // A number stays with what it counts: 200 MW, 60 %, 2 octobre, 1,5 milliard.
  t = t.replace(/(\d)[ \t](?=[%€$\p{L}])/gu, `$1${NBSP}`);
  // A spaced dash never starts a line.
  t = t.replace(/ ([–—]) /g, `${NBSP}$1 `);
  return t;
}
