/**
 * How the sender, subject and preheader show in an inbox row, truncated the way common clients cut
 * them. The budgets are characters at default font sizes, measured on typical rows (Gmail's web
 * inbox at 1280 px, Gmail's and Apple Mail's phone apps at 375 px, Apple Mail on macOS with the
 * default two preview lines): approximations, since fonts and widths vary, but they show what an
 * editor needs to see: which words of the subject and preheader survive.
 */
export interface InboxBudget {
  client: string;
  device: 'desktop' | 'phone';
  from: number;
  subject: number;
  /** Gmail on the web shows subject and preheader on one line: one budget for both. */
  preheader: number;
  sameLine: boolean;
}

export const INBOX_BUDGETS: readonly InboxBudget[] = [
  { client: 'Gmail', device: 'desktop', from: 20, subject: 130, preheader: 130, sameLine: true },
  { client: 'Gmail', device: 'phone', from: 24, subject: 34, preheader: 38, sameLine: false },
  { client: 'Apple Mail', device: 'desktop', from: 30, subject: 48, preheader: 120, sameLine: false },
  { client: 'Apple Mail', device: 'phone', from: 26, subject: 36, preheader: 90, sameLine: false },
];

export interface InboxRow {
  client: string;
  device: 'desktop' | 'phone';
  from: string;
  subject: string;
  preheader: string;
  /** Whether each part was cut. */
  cut: { from: boolean; subject: boolean; preheader: boolean };
}

const length = (s: string) => [...s].length;

function cut(s: string, n: number): [string, boolean] {
  const chars = [...s];
  if (chars.length <= n) return [s, false];
  return [
    `${chars
      .slice(0, Math.max(0, n - 1))
      .join('')
      .trimEnd()}…`,
    true,
  ];
}

/** The display name of a From header value (`"Name" <a@b>` → Name). */
export function displayName(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/.exec(from);
  return (m?.[1] ?? from).trim() || from;
}

export function inboxRows(o: { from: string; subject: string; preheader: string }): InboxRow[] {
  const name = displayName(o.from);
  return INBOX_BUDGETS.map((b) => {
    const [from, fromCut] = cut(name, b.from);
    const [subject, subjectCut] = cut(o.subject, b.subject);
    // On one line, the preheader gets what the subject leaves.
    const room = b.sameLine ? Math.max(0, b.preheader - length(o.subject) - 3) : b.preheader;
    const [preheader, preCut] = cut(o.preheader, room);
    return {
      client: b.client,
      device: b.device,
      from,
      subject,
      preheader,
      cut: { from: fromCut, subject: subjectCut, preheader: preCut },
    };
  });
}
