import type { CampaignReport } from '../campaign/report.ts';
import { DELIVERY_STATUSES } from '../store/schema.ts';

/** `numero campaign show ID` as text: totals, failures by reply and by domain, attempts, pause reason. */
export function formatReport(r: CampaignReport): string {
  const c = r.campaign;
  const lines = [
    `campaign ${c.id}: ${c.issue_slug} to ${r.listName}, ${c.state}${c.scheduled_at ? ` (scheduled ${c.scheduled_at})` : ''}`,
    `  subject: ${c.subject}`,
    `  ${c.total} readers: ${DELIVERY_STATUSES.map((s) => `${r.counts[s]} ${s}`).join(', ')}`,
  ];
  if (r.pausedBecause) lines.push(`  paused: ${r.pausedBecause}`);
  else if (c.state_reason) lines.push(`  note: ${c.state_reason}`);
  if (!r.byReply.length) lines.push('', 'no failures');
  else {
    lines.push('', 'failures by reply (status, code, text: count, e.g.)');
    for (const g of r.byReply) {
      lines.push(`  ${g.status.padEnd(8)} ${String(g.code ?? '—').padEnd(4)} ${g.text}: ${g.count}`);
      lines.push(`      e.g. ${g.examples.join(', ')}`);
    }
    lines.push('', 'failures by recipient domain (count, of which failed and retryable)');
    for (const d of r.byDomain) {
      lines.push(`  ${d.domain}: ${d.count} (${d.failed} failed), e.g. ${d.examples.join(', ')}`);
    }
  }
  if (r.attempts.length) {
    lines.push('', 'attempts per delivery');
    const most = Math.max(...r.attempts.map(([, n]) => n));
    for (const [a, n] of r.attempts) {
      lines.push(
        `  ${String(a).padStart(2)} × ${String(n).padStart(8)}  ${'#'.repeat(Math.max(1, Math.round((n / most) * 40)))}`,
      );
    }
  }
  if (r.returned.byKind.length) {
    lines.push('', 'what came back (kind: reports, readers named)');
    for (const k of r.returned.byKind) lines.push(`  ${k.kind}: ${k.reports}, ${k.readers}`);
    for (const b of r.returned.recent.slice(0, 5))
      lines.push(
        `      ${b.kind} ${b.recipient ?? '(no recipient)'} ${b.status ?? ''}: ${(b.diagnostic ?? '').slice(0, 120)}`,
      );
    lines.push(`  all: numero bounces list --campaign ${c.id}`);
  }
  if (r.markedBounced.length) {
    lines.push('', 'readers marked bounced by this campaign (by status code)');
    for (const m of r.markedBounced) lines.push(`  ${m.code ?? 'no code'}: ${m.count}, e.g. ${m.example}`);
    lines.push(`  undo: numero bounces undo --campaign ${c.id} [--code 5.x.x] [--dry-run]`);
  }
  const failed = r.counts.failed;
  if (failed)
    lines.push('', `retry: numero campaign retry ${c.id} [--code 4xx] [--domain example.org] [--dry-run]`);
  return lines.join('\n');
}
