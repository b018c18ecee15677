import { html } from 'hono/html';
import { formatTracking, isTracked } from '../../audience/tracking.ts';
import {
  type Engagement,
  type LiveEngagement,
  type NumeroFigures,
  percent,
  timeSeries,
} from '../../engagement/report.ts';
import type { Html } from './forms.ts';

/** The figures the campaign page's script keeps live (same names as its cells). */
export function engagementJson(e: LiveEngagement) {
  return { ...e, opened: e.opened ?? '—' };
}

/** Clicks over time as bars, drawn on the server: no script, no library, readable without colour. */
function chart(e: Engagement): Html {
  const s = timeSeries(e.clicksPerHour);
  if (!s.values.length) return html`<p class="muted">No click by a person yet.</p>`;
  const w = 480;
  const h = 80;
  const most = Math.max(...s.values);
  const bw = w / s.values.length;
  const label = `Clicks by people per ${s.unit}, from ${s.start}:00 UTC: ${s.values.join(', ')}`;
  return html`<figure><svg id="clicks-chart" role="img" aria-label="${label}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="max-width:100%">
${s.values.map((v, i) => {
  const bh = most ? Math.max(v ? 2 : 0, Math.round((v / most) * (h - 4))) : 0;
  return html`<rect x="${(i * bw).toFixed(1)}" y="${h - bh}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh}" fill="currentColor"><title>${v}</title></rect>`;
})}</svg><figcaption class="muted">Clicks by people per ${s.unit} (UTC), from ${s.start}:00; machines not counted.</figcaption></figure>`;
}

/** The campaign page's engagement section (issue 23). */
export function engagementSection(e: Engagement, history: readonly NumeroFigures[]): Html {
  const tracked = isTracked(e.tracking);
  return html`<h2>Engagement</h2>
<p>Tracking: <strong>${formatTracking(e.tracking) || 'off'}</strong>${tracked ? html` · <a href="/ops/campaigns/${e.campaignId}/stats.csv" download>Export CSV</a>` : html` · <span class="muted">not measured (numero lists set LIST --tracking clicks)</span>`}</p>
${
  tracked
    ? html`<table class="grid" id="engagement"><tr data-campaign="${e.campaignId}">
<th>delivered</th><td>${e.delivered}</td>
<th>readers who clicked</th><td data-cell="clickers">${e.clickers}</td>
<th>clicks</th><td data-cell="clicks">${e.clicks}</td>
<th>machine clicks (apart)</th><td data-cell="machineClicks">${e.machineClicks}</td>
<th>opened (estimate)</th><td data-cell="opened">${e.opens ? e.opens.messages : '—'}</td>
<th>unsubscribed</th><td>${e.unsubscribes}</td><th>complained</th><td>${e.complaints}</td></tr></table>
${e.opens ? html`<p class="muted">Opens are an estimate: blocked images are never counted; ${e.opens.machine} loads by Apple Mail Privacy Protection, webmail proxies and other machines are counted apart. Never used to decide anything about a reader.</p>` : ''}
${e.tracking.clicks !== 'off' ? chart(e) : ''}
${
  e.links.length
    ? html`<table class="grid" id="links"><thead><tr><th>#</th><th>link</th><th>readers</th><th>clicks</th><th>machines</th></tr></thead><tbody>
${e.links.map((l) => html`<tr data-position="${l.position}"><td>${l.position}</td><td>${l.text || '(no text)'}<br><code>${l.url}</code></td><td>${l.clickers}</td><td>${l.clicks}</td><td>${l.machineClicks}</td></tr>`)}</tbody></table>`
    : ''
}`
    : ''
}
${
  history.length > 1
    ? html`<h3>This list’s numéros</h3><table class="grid" id="history"><thead><tr><th>campaign</th><th>numéro</th><th>delivered</th><th>readers who clicked</th><th>opened</th><th>left</th></tr></thead><tbody>
${history.map((n) => html`<tr><td><a href="/ops/campaigns/${n.campaignId}">${n.campaignId}</a></td><td>${n.slug}</td><td>${n.delivered}</td><td>${n.tracked ? percent(n.clickers, n.delivered) : '—'}</td><td>${n.opened === null ? '—' : percent(n.opened, n.delivered)}</td><td>${n.unsubscribes + n.complaints}</td></tr>`)}</tbody></table>`
    : ''
}`;
}
