import type { Engagement } from './report.ts';

const cell = (v: string | number): string => {
  const s = String(v);
  // A cell a spreadsheet would run as a formula starts with a quote (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** `numero campaign export-stats N`: one CSV, a row per link then a row per hour. */
export function engagementCsv(e: Engagement): string {
  const rows: Array<Array<string | number>> = [
    ['section', 'position', 'text', 'url', 'hour_utc', 'readers', 'clicks', 'machine_clicks'],
    ['campaign', '', e.slug, '', '', e.clickers, e.clicks, e.machineClicks],
  ];
  for (const l of e.links)
    rows.push(['link', l.position, l.text, l.url, '', l.clickers, l.clicks, l.machineClicks]);
  for (const h of e.clicksPerHour) rows.push(['hour', '', '', '', `${h.hour}:00`, '', h.count, '']);
  if (e.opens)
    rows.push(['opens_estimate', '', '', '', '', e.opens.messages, e.opens.loads, e.opens.machine]);
  rows.push(['left', '', 'unsubscribed', '', '', e.unsubscribes, '', '']);
  rows.push(['left', '', 'complained', '', '', e.complaints, '', '']);
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
