import { html, raw } from 'hono/html';
import type { ClientReport } from '../../check/clients.ts';
import { inboxRows } from '../../check/inbox.ts';
import type { LinkItem } from '../../check/links.ts';
import type { SpamResult } from '../../check/spam.ts';
import { type Diagnostic, formatDiagnostic } from '../../errors.ts';
import { CLIP_LIMIT_BYTES } from '../../render/limits.ts';
import type { IssueSummary } from '../workspace.ts';

type Html = ReturnType<typeof html>;

/** Every value from a file goes through `html`…`` interpolation, which escapes it. */
export function layout(title: string, body: Html, opts: { live: boolean }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
${body}
${opts.live ? raw(`<script>${LIVE_SCRIPT}</script>`) : ''}
</body>
</html>`;
}

export function diagnosticsList(diagnostics: readonly Diagnostic[]): Html {
  if (!diagnostics.length) return html``;
  return html`<ul class="diagnostics">${diagnostics.map(
    (d) =>
      html`<li class="${d.severity}"><span class="sev">${d.severity}</span> <code>${formatDiagnostic(d)}</code></li>`,
  )}</ul>`;
}

export function indexPage(summaries: IssueSummary[], contextErrors: readonly Diagnostic[]): Html {
  const rows = summaries.map(
    (s) => html`<tr>
  <td>${s.numero === null ? '–' : s.numero === 0 ? 'hors numéro' : s.numero}</td>
  <td>${s.date ?? '–'}</td>
  <td><a href="/preview/${encodeURIComponent(s.slug)}">${s.title ?? s.slug}</a><div class="file">${s.file}</div></td>
  <td>${s.subject ?? ''}</td>
  <td><span class="status ${s.status}">${s.status === 'ok' ? 'ok' : s.status === 'warnings' ? `${s.warnings} warning(s)` : `${s.errors} error(s)`}</span></td>
</tr>`,
  );
  return layout(
    'numero preview',
    html`<main id="main">
<h1>numero · issues</h1>
${diagnosticsList(contextErrors)}
<table class="issues">
<thead><tr><th>Numéro</th><th>Date</th><th>Title</th><th>Subject</th><th>Check</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</main>`,
    { live: true },
  );
}

export interface IssuePageModel {
  slug: string;
  file: string;
  templates: string[];
  template: string;
  readers: Array<{ id: string; label: string }>;
  reader: string;
  diagnostics: Diagnostic[];
  rendered: {
    from: string;
    subject: string;
    preheader: string;
    text: string;
    htmlBytes: number;
  } | null;
  /** How the frames show the message: the reader's colour scheme, and a width of the editor's choice. */
  scheme: 'light' | 'dark';
  width: number;
  /** What mail clients do not support (caniemail), and every link and image, when rendered. */
  clients: ClientReport | null;
  links: LinkItem[] | null;
  version: number;
  notice: string | null;
  testError: string | null;
  /** Proves a test-send POST came from a page this preview rendered. */
  token: string;
}

export function issuePage(m: IssuePageModel): Html {
  const q = `template=${encodeURIComponent(m.template)}&reader=${encodeURIComponent(m.reader)}&scheme=${m.scheme}&v=${m.version}`;
  const frameSrc = `/preview/${encodeURIComponent(m.slug)}/email.html?${q}`;
  const r = m.rendered;
  const errors = m.diagnostics.filter((d) => d.severity === 'error');
  const percent = r ? Math.round((r.htmlBytes / CLIP_LIMIT_BYTES) * 100) : 0;
  const body = html`<main id="main" data-version="${m.version}">
<p class="crumbs"><a href="/">← all issues</a> · <span class="file">${m.file}</span></p>
<form class="controls" method="get" action="/preview/${encodeURIComponent(m.slug)}">
  <label>Template <select name="template" onchange="this.form.submit()">${m.templates.map(
    (t) =>
      html`<option value="${t}"${t === m.template ? raw(' selected') : ''}>${t.endsWith('.mjml') ? `MJML (${t})` : `React Email (${t})`}</option>`,
  )}</select></label>
  <label>Reader <select name="reader" onchange="this.form.submit()">${m.readers.map(
    (rd) => html`<option value="${rd.id}"${rd.id === m.reader ? raw(' selected') : ''}>${rd.label}</option>`,
  )}</select></label>
  <label>Colour scheme <select name="scheme" onchange="this.form.submit()">${(['light', 'dark'] as const).map(
    (sc) =>
      html`<option value="${sc}"${sc === m.scheme ? raw(' selected') : ''}>${sc === 'dark' ? 'Dark (prefers-color-scheme: dark)' : 'Light'}</option>`,
  )}</select></label>
  <label>Width <select name="width" onchange="this.form.submit()">${FRAME_WIDTHS.map(
    (w) => html`<option value="${w}"${w === m.width ? raw(' selected') : ''}>${w} px</option>`,
  )}</select></label>
  <noscript><button>Apply</button></noscript>
</form>
${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
${m.testError ? html`<p class="test-error" role="alert">${m.testError}</p>` : ''}
${errors.length ? html`<section class="errors" id="errors"><h2>This issue has errors</h2>${diagnosticsList(errors)}</section>` : ''}
${
  r
    ? html`<section class="inbox" aria-label="Inbox line">
  <span class="from">${r.from}</span>
  <span class="subject">${r.subject}</span>
  <span class="preheader">${r.preheader}</span>
</section>
<details class="inbox-rows"><summary>In the inbox: subject ${[...r.subject].length} characters, preheader ${[...r.preheader].length}</summary>
<table>${inboxRows(r).map(
        (row) => html`<tr data-client="${row.client} ${row.device}"><th>${row.client} · ${row.device}</th>
  <td><strong class="${row.cut.from ? 'cut' : ''}">${row.from}</strong></td>
  <td><span class="subject ${row.cut.subject ? 'cut' : ''}">${row.subject}</span> <span class="preheader ${row.cut.preheader ? 'cut' : ''}">${row.preheader}</span></td></tr>`,
      )}</table></details>
<p class="size ${percent > 85 ? 'near' : ''}">HTML: ${(r.htmlBytes / 1000).toFixed(1)} KB of the 102 KB Gmail clipping limit (${percent} %)
  <meter min="0" max="${CLIP_LIMIT_BYTES}" value="${r.htmlBytes}"></meter></p>
${diagnosticsList(m.diagnostics.filter((d) => d.severity === 'warning'))}
<div class="tabs">
  <input type="radio" name="tab" id="tab-html" checked><label for="tab-html">HTML</label>
  <input type="radio" name="tab" id="tab-text"><label for="tab-text">Plain text</label>
  <input type="radio" name="tab" id="tab-clients"><label for="tab-clients">Compatibility${m.clients ? ` (${m.clients.unsupported})` : ''}</label>
  <input type="radio" name="tab" id="tab-spam"><label for="tab-spam">Spam score</label>
  <input type="radio" name="tab" id="tab-links"><label for="tab-links">Links &amp; images${m.links ? ` (${m.links.filter((l) => l.problems.length).length})` : ''}</label>
  <div class="panel panel-html">
    <figure class="frame desktop"><figcaption>Desktop · 800 px</figcaption>
      <iframe name="desktop" title="Desktop preview" src="${frameSrc}" width="800" height="1100"></iframe></figure>
    <figure class="frame mobile"><figcaption>Mobile · 375 px</figcaption>
      <iframe name="mobile" title="Mobile preview" src="${frameSrc}" width="375" height="1100"></iframe></figure>
    <figure class="frame custom"><figcaption>${m.width} px · drag the corner to resize</figcaption>
      <div class="resizable" style="width:${m.width}px"><iframe name="custom" title="Preview at a chosen width" src="${frameSrc}" height="1100"></iframe></div></figure>
  </div>
  <div class="panel panel-clients">${m.clients ? clientsPanel(m.clients) : ''}</div>
  <div class="panel panel-spam"><iframe name="spam" title="SpamAssassin score" loading="lazy" src="/preview/${encodeURIComponent(m.slug)}/spam.html?${q}" width="900" height="600"></iframe></div>
  <div class="panel panel-links">${m.links ? linksPanel(m.links) : ''}</div>
  <div class="panel panel-text"><pre class="text-part">${r.text}</pre></div>
</div>
<form class="send-test" method="post" action="/preview/${encodeURIComponent(m.slug)}/test">
  <input type="hidden" name="template" value="${m.template}">
  <input type="hidden" name="reader" value="${m.reader}">
  <input type="hidden" name="_token" value="${m.token}">
  <label>Send a test to <input type="email" name="to" required placeholder="you@example.org" autocomplete="email"></label>
  <button type="submit">Send test</button>
</form>`
    : ''
}
</main>`;
  return layout(r ? `${r.subject} · numero preview` : `${m.file} · errors`, body, { live: true });
}

/** The spam tab's page: SpamAssassin's score and rules, or how to install it. */
export function spamPage(r: SpamResult): Html {
  const body = r.available
    ? html`<main id="main"><p class="spam-score"><strong>${r.score.toFixed(1)}</strong> points (SpamAssassin flags ${r.required.toFixed(1)} and above), local tests only, on the message as this reader receives it, headers included.</p>
<table class="spam"><thead><tr><th>Points</th><th>Rule</th><th>What it means</th></tr></thead><tbody>${r.rules.map(
        (rule) =>
          html`<tr><td>${rule.points.toFixed(1)}</td><td><code>${rule.name}</code></td><td>${rule.description}</td></tr>`,
      )}</tbody></table></main>`
    : html`<main id="main"><p class="spam-missing">SpamAssassin is not installed on this machine, so no score. Install it (${r.install}) and reload: numero runs it locally, with no network tests.</p></main>`;
  return layout('Spam score', body, { live: false });
}

export const FRAME_WIDTHS = [320, 375, 414, 600, 800] as const;

function clientsPanel(r: ClientReport): Html {
  return html`<p>${r.unsupported} unsupported feature(s) worth a look, from <a href="https://www.caniemail.com/">caniemail.com</a>'s data (offline). Harmless engine boilerplate is marked, not hidden.</p>
<table class="clients"><thead><tr><th>Support</th><th>Feature</th><th>Clients</th><th>From</th><th>Note</th></tr></thead><tbody>${r.items.map(
    (it) => html`<tr class="${it.level}${it.harmless ? ' harmless' : ''}" data-feature="${it.feature}">
  <td>${it.level}</td><td><code>${it.feature}</code></td>
  <td>${Object.entries(it.families).map(([f, cs]) => html`<span class="family" title="${cs.join(', ')}">${f} (${cs.length})</span> `)}</td>
  <td>${it.origin}</td><td>${it.harmless ? html`<em>harmless:</em> ${it.harmless}` : it.notes.slice(0, 2).join(' ')}</td></tr>`,
  )}</tbody></table>${r.missingData.length ? html`<p class="no-data">No data in caniemail for: ${r.missingData.join('; ')}</p>` : ''}`;
}

function linksPanel(items: LinkItem[]): Html {
  return html`<table class="links"><thead><tr><th></th><th>Text or alt</th><th>URL (as this reader gets it)</th><th>Checks</th></tr></thead><tbody>${items.map(
    (it) => html`<tr class="${it.problems.length ? 'problem' : 'ok'}">
  <td>${it.kind}${it.role ? html` <strong>${it.role}</strong>` : ''}</td><td>${it.text}</td><td class="url">${it.url}</td>
  <td>${it.problems.length ? html`<ul>${it.problems.map((pr) => html`<li>${pr}</li>`)}</ul>` : 'ok'}</td></tr>`,
  )}</tbody></table>`;
}

const CSS = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;padding:16px 24px;background:Canvas;color:CanvasText}
a{color:#00607a}
h1{font-size:22px}
table.issues{border-collapse:collapse;width:100%}
table.issues th,table.issues td{text-align:left;padding:8px;border-bottom:1px solid #8884;vertical-align:top}
.file{font-size:12px;color:#778}
table.issues td:nth-child(2){white-space:nowrap}
.status{padding:2px 8px;border-radius:10px;font-size:13px}
.status.ok{background:#d8f3dc;color:#1b4332}.status.warnings{background:#fff3bf;color:#5c4400}.status.errors{background:#ffd6d6;color:#7a0000}
.controls{display:flex;gap:16px;margin:8px 0 12px}
.inbox{display:flex;gap:12px;align-items:baseline;padding:10px 12px;border:1px solid #8885;border-radius:6px;max-width:1200px;overflow:hidden;white-space:nowrap}
.inbox .from{font-weight:600}.inbox .subject{font-weight:600}.inbox .preheader{color:#778;overflow:hidden;text-overflow:ellipsis}
.size.near{color:#a15c00}
.diagnostics{padding-left:18px}.diagnostics .error{color:#b00020}.diagnostics .warning{color:#8a6100}.sev{font-weight:600}
.errors{border:2px solid #b00020;border-radius:6px;padding:4px 16px;margin:12px 0}
.notice{background:#d8f3dc;color:#1b4332;padding:8px 12px;border-radius:6px}
.test-error{background:#ffd6d6;color:#7a0000;padding:8px 12px;border-radius:6px}
.tabs>input{display:none}.tabs>label{display:inline-block;padding:6px 14px;border:1px solid #8886;border-bottom:none;cursor:pointer;border-radius:6px 6px 0 0}
.tabs>input:checked+label{background:#00607a;color:#fff}
.panel{display:none;border-top:1px solid #8886;padding-top:12px}
#tab-html:checked~.panel-html{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
#tab-text:checked~.panel-text{display:block}
#tab-clients:checked~.panel-clients{display:block}
#tab-links:checked~.panel-links{display:block}
#tab-spam:checked~.panel-spam{display:block}
.resizable{resize:horizontal;overflow:auto;min-width:280px;max-width:1000px;border:1px dashed #8886}
.resizable iframe{width:100%;border:0}
table.clients,table.links{border-collapse:collapse;width:100%;font-size:14px}
table.clients td,table.clients th,table.links td,table.links th{text-align:left;padding:4px 8px;border-bottom:1px solid #8884;vertical-align:top}
tr.harmless{opacity:.65}tr.unsupported:not(.harmless) td:first-child,tr.problem td:last-child{color:#b3261e}
td.url{word-break:break-all;max-width:420px}
.inbox-rows table{border-collapse:collapse;font-size:14px}.inbox-rows th,.inbox-rows td{text-align:left;padding:3px 8px;white-space:nowrap}
.inbox-rows .preheader{color:#778}.inbox-rows .cut{text-decoration:underline dotted #b3261e}
.frame{margin:0}.frame figcaption{font-size:13px;color:#778;margin-bottom:4px}
iframe{border:1px solid #8886;background:#fff}
.text-part{white-space:pre-wrap;max-width:80ch;font-size:14px;line-height:1.5}
.send-test{margin:20px 0;display:flex;gap:8px;align-items:center}
`;

/** Live reload: on a change, fetch this page again and swap its <main>, which reloads the frames. */
const LIVE_SCRIPT = `
(() => {
  const events = new EventSource('/events');
  let busy = false, again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { cache: 'no-store' });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.getElementById('main');
      const tab = document.querySelector('.tabs>input:checked');
      if (next) {
        document.getElementById('main').replaceWith(next);
        document.title = doc.title;
        if (tab) { const t = document.getElementById(tab.id); if (t) t.checked = true; }
      }
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  events.addEventListener('change', refresh);
})();
`;
