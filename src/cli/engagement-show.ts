import { formatTracking, isTracked } from '../audience/tracking.ts';
import { type Engagement, type NumeroFigures, percent, sparkline, timeSeries } from '../engagement/report.ts';

const LABELS: Record<string, string> = {
  head: 'HEAD requests (link checkers)',
  'no-agent': 'no user agent',
  'mail-scanner': 'mail security scanners',
  'image-proxy': 'webmail image proxies (Gmail, Yahoo)',
  'apple-mpp': 'Apple Mail Privacy Protection',
  crawler: 'crawlers and link previews',
  burst: 'every link of a message within 2 s',
};

const why = (rows: Engagement['machineWhy']) =>
  rows.map((r) => `${r.count} ${LABELS[r.why] ?? r.why}`).join(', ');

/** The engagement part of `numero campaign show`. */
export function formatEngagement(e: Engagement, history: readonly NumeroFigures[]): string {
  const t = formatTracking(e.tracking) || 'off';
  const lines = ['', `engagement (tracking: ${t})`];
  if (!isTracked(e.tracking)) {
    lines.push('  not measured: numero lists set LIST --tracking clicks[,opens] (for the next campaigns)');
  }
  if (e.tracking.clicks !== 'off') {
    lines.push(
      `  readers who clicked: ${e.clickers} of ${e.delivered} delivered (${percent(e.clickers, e.delivered)}), ${e.clicks} clicks`,
    );
    if (e.machineClicks) lines.push(`  machines, counted apart: ${e.machineClicks} (${why(e.machineWhy)})`);
    const series = timeSeries(e.clicksPerHour);
    if (series.values.length)
      lines.push(`  clicks per ${series.unit} from ${series.start}:00 UTC: ${sparkline(e.clicksPerHour)}`);
    lines.push('  links, in the order of the issue (readers, clicks, machines):');
    for (const l of e.links)
      lines.push(
        `  ${String(l.position).padStart(3)}. ${String(l.clickers).padStart(6)} ${String(l.clicks).padStart(6)} ${String(l.machineClicks).padStart(6)}  ${l.text || '(no text)'} <${l.url}>`,
      );
  }
  if (e.opens)
    lines.push(
      `  opens, an estimate: ${e.opens.messages} messages opened by a person (${percent(e.opens.messages, e.delivered)}); ${e.opens.machine} image loads by machines apart${e.opens.machine ? ` (${why(e.opens.machineWhy)})` : ''}; blocked images are never counted`,
    );
  lines.push(`  left by this numéro: ${e.unsubscribes} unsubscribed, ${e.complaints} complained`);
  if (history.length > 1) {
    lines.push('', 'this list’s numéros (delivered, readers who clicked, opened, left)');
    for (const h of history)
      lines.push(
        `  ${String(h.campaignId).padStart(5)} ${h.slug.padEnd(32)} ${String(h.delivered).padStart(7)}  ${h.tracked ? percent(h.clickers, h.delivered).padStart(7) : '      —'}  ${h.opened === null ? '      —' : percent(h.opened, h.delivered).padStart(7)}  ${h.unsubscribes + h.complaints}`,
      );
  }
  return lines.join('\n');
}
