import { html } from 'hono/html';
import type { CampaignReport } from '../../campaign/report.ts';
import type { BounceReportRow } from '../../store/inbound.ts';
import { csrfField, type Html } from './forms.ts';

/**
 * What came back, on the dashboard: a campaign's bounce reports and complaints (kind, count, the
 * latest with their diagnostic), the readers it marked bounced with an Undo per reply code, and the
 * page of every report received (`/ops/bounces`), unattributed ones included.
 */

export function reportsTable(rows: readonly BounceReportRow[], id: string): Html {
  if (!rows.length) return html`<p>Nothing yet.</p>`;
  return html`<table class="grid" id="${id}"><thead><tr><th>received</th><th>via</th><th>kind</th><th>campaign</th><th>recipient</th><th>status</th><th>what numero did</th><th>diagnostic</th></tr></thead><tbody>
${rows.map(
  (r) =>
    html`<tr data-kind="${r.kind}"><td>${r.created_at.slice(0, 19)}</td><td>${r.source}</td><td>${r.kind}</td><td>${r.campaign_id ?? '—'}</td><td>${r.recipient ?? '—'}</td><td>${r.status ?? ''}</td><td>${r.action}</td><td><code>${(r.diagnostic ?? '').slice(0, 200)}</code></td></tr>`,
)}</tbody></table>`;
}

export function returnedSection(r: CampaignReport, csrf: string | null): Html {
  const id = r.campaign.id;
  const undo = (code: string | null, count: number) =>
    html`<form method="post" action="/ops/campaigns/${id}/undo-bounces" class="inline" data-confirm="Restore the ${count} reader(s) this campaign marked bounced${code ? ` with ${code}` : ''}? Their lists reopen; readers who left or complained are never touched.">
${csrfField(csrf)}${code ? html`<input type="hidden" name="code" value="${code}">` : ''}<button type="submit">Undo ${count}${code ? ` with ${code}` : ''}</button></form>`;
  return html`<h2>What came back</h2>
${
  r.returned.byKind.length
    ? html`<table class="grid" id="returned"><thead><tr><th>kind</th><th>reports</th><th>readers named</th></tr></thead><tbody>
${r.returned.byKind.map((k) => html`<tr data-kind="${k.kind}"><td>${k.kind}</td><td>${k.reports}</td><td>${k.readers}</td></tr>`)}</tbody></table>
<h3>Latest</h3>${reportsTable(r.returned.recent, 'returned-recent')}`
    : html`<p>No bounce report or complaint for this campaign.</p>`
}
<h2>Readers marked bounced by this campaign</h2>
${
  r.markedBounced.length
    ? html`<table class="grid" id="marked-bounced"><thead><tr><th>status</th><th>readers</th><th>e.g.</th><th></th></tr></thead><tbody>
${r.markedBounced.map(
  (m) =>
    html`<tr data-code="${m.code ?? 'none'}"><td>${m.code ?? '—'}</td><td>${m.count}</td><td><code>${m.example}</code></td><td>${undo(m.code, m.count)}</td></tr>`,
)}</tbody></table>`
    : html`<p>None.</p>`
}`;
}

export function bouncesBody(o: {
  all: readonly BounceReportRow[];
  unattributed: readonly BounceReportRow[];
}): Html {
  return html`<h1>What came back</h1>
<h2>Unattributed</h2>
<p class="muted">Reports that named no delivery numero could verify: recorded, acted on for nobody.</p>
${reportsTable(o.unattributed, 'unattributed')}
<h2>Latest reports</h2>
${reportsTable(o.all, 'all-reports')}`;
}
