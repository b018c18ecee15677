import { stringify } from 'csv-stringify/sync';
import { escapeFormula } from '../audience/csv-cells.ts';
import type { Engagement } from './report.ts';

/**
 * `numero campaign export-stats N`: one CSV, a row per link then a row per hour; written by
 * csv-stringify as the other exports are, formula-like cells escaped the same way (csv-cells.ts).
 */
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
  return stringify(
    rows.map((r) => r.map((v) => escapeFormula(String(v)))),
    { record_delimiter: 'windows' },
  );
}
