import { html, raw } from 'hono/html';
import type { CampaignReport, Progress } from '../../campaign/report.ts';
import { canMove } from '../../campaign/state.ts';
import type { SuppressionRow } from '../../store/audience.ts';
import { DELIVERY_STATUSES } from '../../store/schema.ts';
import { csrfField, type Html } from './forms.ts';
import { returnedSection } from './returned.ts';

/**
 * The ops dashboard's pages: server-rendered with Hono's escaping `html` template, a few lines of
 * inline script for live progress and confirmations, no front-end build (as the preview).
 * Every form that changes something carries the session's CSRF proof.
 */
export function opsLayout(
  title: string,
  body: Html,
  o: { csrf?: string | null; script?: string } = {},
): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · numero ops</title>
<style>${raw(CSS)}</style>
</head>
<body>
<header><strong>numero ops</strong>
${
  o.csrf === undefined
    ? ''
    : html`<nav><a href="/ops">Campaigns</a> <a href="/ops/bounces">Bounces</a> <a href="/ops/suppressions">Suppressions</a> <a href="/ops/queues">Queues</a>
<form method="post" action="/ops/logout" class="inline">${csrfField(o.csrf ?? null)}<button class="link">Log out</button></form></nav>`
}
</header>
<main id="main">${body}</main>
${raw(`<script>${CONFIRM_SCRIPT}${o.script ?? ''}</script>`)}
</body>
</html>`;
}

export function loginPage(o: { error: string | null; next: string; enabled: boolean }): Html {
  const body = o.enabled
    ? html`<h1>Log in</h1>
${o.error ? html`<p class="error">${o.error}</p>` : ''}
<form method="post" action="/ops/login" class="login">
<input type="hidden" name="next" value="${o.next}">
<label>Ops token <input type="password" name="token" autocomplete="current-password" maxlength="512" required autofocus></label>
<button type="submit">Log in</button>
</form>`
    : html`<h1>Ops is off</h1><p>Set <code>OPS_TOKEN</code> in the environment of <code>numero serve</code> (at least 24 characters, e.g. <code>openssl rand -hex 24</code>) to turn the dashboard on.</p>`;
  return opsLayout('Log in', body);
}

function cells(p: Progress) {
  const n = p.counts;
  return {
    state: p.campaign.state,
    sent: n.sent,
    failed: n.failed,
    bounced: n.bounced,
    skipped: n.skipped,
    remaining: p.remaining,
    reason: p.campaign.state_reason ?? '',
  };
}

/** JSON for live progress: what the pages' script writes into the cells with the same names. */
export function progressJson(p: Progress) {
  return { id: p.campaign.id, total: p.campaign.total, counts: p.counts, ...cells(p) };
}

export function campaignsPage(rows: readonly Progress[], csrf: string | null): Html {
  const body = html`<h1>Campaigns</h1>
${
  rows.length
    ? html`<table class="grid" id="campaigns">
<thead><tr><th>id</th><th>issue</th><th>list</th><th>state</th><th>total</th><th>sent</th><th>failed</th><th>bounced</th><th>skipped</th><th>remaining</th></tr></thead>
<tbody>${rows.map((p) => {
        const v = cells(p);
        return html`<tr data-campaign="${p.campaign.id}">
<td><a href="/ops/campaigns/${p.campaign.id}">${p.campaign.id}</a></td><td><a href="/ops/campaigns/${p.campaign.id}">${p.campaign.issue_slug}</a></td><td>${p.listName}</td>
<td data-cell="state"><span class="state ${v.state}">${v.state}</span></td><td>${p.campaign.total}</td><td data-cell="sent">${v.sent}</td><td data-cell="failed">${v.failed}</td>
<td data-cell="bounced">${v.bounced}</td><td data-cell="skipped">${v.skipped}</td><td data-cell="remaining">${v.remaining}</td></tr>
<tr class="reason" data-reason="${p.campaign.id}"><td></td><td colspan="9" data-cell="reason">${v.reason}</td></tr>`;
      })}</tbody></table>`
    : html`<p>No campaigns yet: <code>numero send ISSUE --list NAME</code>.</p>`
}`;
  return opsLayout('Campaigns', body, { csrf, script: live('/ops/api/campaigns') });
}

function action(
  id: number,
  name: string,
  label: string,
  csrf: string | null,
  confirm: string,
  hidden: Html = html``,
): Html {
  return html`<form method="post" action="/ops/campaigns/${id}/${name}" class="inline" data-confirm="${confirm}">
${csrfField(csrf)}${hidden}<button type="submit" name="action" value="${name}">${label}</button></form>`;
}

export function campaignPage(
  r: CampaignReport,
  csrf: string | null,
  flash: string | null,
  engagement: Html | string = '',
): Html {
  const c = r.campaign;
  const v = cells(r);
  const retry = (label: string, filter: { code?: string; domain?: string }, what: string) =>
    action(
      c.id,
      'retry',
      label,
      csrf,
      `Put ${what} back in line? Deliveries that were sent, bounced or skipped are never touched.`,
      html`${filter.code ? html`<input type="hidden" name="code" value="${filter.code}">` : ''}${filter.domain ? html`<input type="hidden" name="domain" value="${filter.domain}">` : ''}`,
    );
  const body = html`<h1>Campaign ${c.id}: ${c.issue_slug}</h1>
${flash ? html`<p class="notice" role="status">${flash}</p>` : ''}
<p>To <strong>${r.listName}</strong> · subject “${c.subject}” · created ${c.created_at}${c.scheduled_at ? html` · scheduled ${c.scheduled_at}` : ''}</p>
<table class="grid" id="totals"><tr data-campaign="${c.id}"><th>state</th><td data-cell="state"><span class="state ${v.state}">${v.state}</span></td>
<th>total</th><td>${c.total}</td>${DELIVERY_STATUSES.map((s) => html`<th>${s}</th><td data-cell="${s}">${r.counts[s]}</td>`)}<th>remaining</th><td data-cell="remaining">${v.remaining}</td></tr></table>
<p class="reason" data-reason="${c.id}"><span data-cell="reason">${c.state_reason ?? ''}</span></p>
<div class="actions">
${canMove(c.state, 'paused') ? action(c.id, 'pause', 'Pause', csrf, `Pause campaign ${c.id}? Messages stop within a second; resume sends the rest.`) : ''}
${c.state === 'paused' ? action(c.id, 'resume', 'Resume', csrf, `Resume campaign ${c.id}?`) : ''}
${canMove(c.state, 'cancelled') ? action(c.id, 'cancel', 'Cancel', csrf, `Cancel campaign ${c.id} for good? Every unsent delivery is skipped; this cannot be undone.`) : ''}
${r.counts.failed ? retry(`Retry all ${r.counts.failed} failed`, {}, `all ${r.counts.failed} failed deliveries`) : ''}
</div>
<h2>Failures by reply</h2>
${
  r.byReply.length
    ? html`<table class="grid" id="by-reply"><thead><tr><th>status</th><th>code</th><th>reply</th><th>count</th><th>examples</th><th></th></tr></thead><tbody>
${r.byReply.map(
  (
    g,
  ) => html`<tr data-code="${g.code ?? 'none'}" data-status="${g.status}"><td>${g.status}</td><td>${g.code ?? '—'}</td><td><code>${g.text}</code></td><td>${g.count}</td><td>${g.examples.join(', ')}</td>
<td>${g.status === 'failed' ? retry(`Retry failed with ${g.code ?? 'no reply'}`, { code: String(g.code ?? 'none') }, `the failed deliveries that got ${g.code ?? 'no reply'}`) : g.status === 'bounced' ? html`<span class="muted">permanent: never retried</span>` : html`<span class="muted">retrying by itself</span>`}</td></tr>`,
)}</tbody></table>`
    : html`<p>No failures.</p>`
}
<h2>Failures by recipient domain</h2>
${
  r.byDomain.length
    ? html`<table class="grid" id="by-domain"><thead><tr><th>domain</th><th>count</th><th>failed</th><th>examples</th><th></th></tr></thead><tbody>
${r.byDomain.map(
  (
    d,
  ) => html`<tr data-domain="${d.domain}"><td>${d.domain}</td><td>${d.count}</td><td>${d.failed}</td><td>${d.examples.join(', ')}</td>
<td>${d.failed ? retry(`Retry ${d.failed} failed at ${d.domain}`, { domain: d.domain }, `the ${d.failed} failed deliveries to ${d.domain}`) : ''}</td></tr>`,
)}</tbody></table>`
    : html`<p>No failures.</p>`
}
${engagement}
${returnedSection(r, csrf)}
<h2>Attempts per delivery</h2>
${
  r.attempts.length
    ? html`<table class="grid" id="attempts"><thead><tr><th>attempts</th><th>deliveries</th></tr></thead><tbody>${r.attempts.map(([a, n]) => html`<tr><td>${a}</td><td>${n}</td></tr>`)}</tbody></table>`
    : html`<p>Nothing tried yet.</p>`
}`;
  return opsLayout(`Campaign ${c.id}`, body, { csrf, script: live(`/ops/api/campaigns/${c.id}`) });
}

export function suppressionsPage(
  rows: readonly SuppressionRow[],
  q: string,
  csrf: string | null,
  flash: string | null,
): Html {
  const body = html`<h1>Suppressions</h1>
${flash ? html`<p class="notice" role="status">${flash}</p>` : ''}
<p>Addresses numero never sends to, whatever the list: hard bounces and complaints.</p>
<form method="get" action="/ops/suppressions" class="search"><input type="search" name="q" value="${q}" maxlength="254" placeholder="address contains…"><button>Search</button></form>
${
  rows.length
    ? html`<table class="grid" id="suppressions"><thead><tr><th>address</th><th>reason</th><th>detail</th><th>source</th><th>campaign</th><th>since</th><th></th></tr></thead><tbody>
${rows.map(
  (
    s,
  ) => html`<tr data-email="${s.email_normalized}"><td>${s.email_normalized}</td><td>${s.reason}</td><td><code>${s.detail ?? ''}</code></td><td>${s.source ?? ''}</td><td>${s.campaign_id ?? ''}</td><td>${s.created_at}</td>
<td><form method="post" action="/ops/suppressions/unsuppress" class="inline" data-confirm="Send to ${s.email_normalized} again? Its bounced or complained memberships become active; this is logged.">${csrfField(csrf)}<input type="hidden" name="email" value="${s.email_normalized}"><input type="hidden" name="q" value="${q}"><button>Un-suppress</button></form></td></tr>`,
)}</tbody></table>`
    : html`<p>${q ? 'No suppressed address matches.' : 'No suppressed address.'}</p>`
}`;
  return opsLayout('Suppressions', body, { csrf });
}

/** Forms marked data-confirm ask first. */
const CONFIRM_SCRIPT = `
document.addEventListener('submit', (e) => {
  const f = e.target.closest('form[data-confirm]');
  if (f && !confirm(f.dataset.confirm)) e.preventDefault();
});`;

/** Polls `url` every second and writes each campaign's values into its [data-cell] elements. */
function live(url: string): string {
  return `
(() => {
  async function tick() {
    try {
      const res = await fetch(${JSON.stringify(url)}, { cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.ok) {
        const data = await res.json();
        for (const c of Array.isArray(data) ? data : [data]) {
          for (const row of document.querySelectorAll('[data-campaign="' + c.id + '"], [data-reason="' + c.id + '"]')) {
            for (const cell of row.querySelectorAll('[data-cell]')) {
              const k = cell.dataset.cell;
              const value = k in c ? c[k] : (c.counts ? c.counts[k] : undefined);
              if (value === undefined) continue;
              if (k === 'state') { cell.innerHTML = ''; const s = document.createElement('span'); s.className = 'state ' + value; s.textContent = value; cell.append(s); }
              else if (cell.textContent !== String(value)) cell.textContent = String(value);
            }
          }
        }
      }
    } catch {}
    setTimeout(tick, 1000);
  }
  setTimeout(tick, 1000);
})();`;
}

const CSS = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;padding:0 24px 24px;background:Canvas;color:CanvasText}
header{display:flex;gap:24px;align-items:center;padding:12px 0;border-bottom:1px solid #8884;margin-bottom:8px}
nav{display:flex;gap:16px;align-items:center}
a{color:#00607a}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table.grid{border-collapse:collapse;margin:8px 0}
table.grid th,table.grid td{text-align:left;padding:6px 10px;border-bottom:1px solid #8884;vertical-align:top}
tr.reason td,.reason{color:#8a6100;font-size:13px;border-bottom:none}
.state{padding:2px 8px;border-radius:10px;font-size:13px;background:#e9ecef;color:#222}
.state.sent{background:#d8f3dc;color:#1b4332}.state.paused{background:#fff3bf;color:#5c4400}.state.cancelled{background:#ffd6d6;color:#7a0000}.state.sending{background:#d0ebff;color:#0b3d62}
form.inline{display:inline}
.actions{display:flex;gap:8px;margin:12px 0}
button{font:inherit;padding:4px 12px;border-radius:6px;border:1px solid #00607a;background:#00607a;color:#fff;cursor:pointer}
button.link{background:none;color:#00607a;border:none;text-decoration:underline;padding:0}
.notice{background:#d8f3dc;color:#1b4332;padding:8px 12px;border-radius:6px}
.error{background:#ffd6d6;color:#7a0000;padding:8px 12px;border-radius:6px}
.muted{color:#778;font-size:13px}
.login{display:flex;gap:8px;align-items:center}
code{font-size:13px}
`;
