import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { parseAddress } from '../_shared/address.ts';
import { NumeroError } from '../errors.ts';
import { type Db, insertEvents, suppress, suppressionsPage } from '../store/audience.ts';
import { escapeFormula, unescapeFormula } from './csv-cells.ts';

export const SUPPRESSION_COLUMNS = [
  'email',
  'reason',
  'detail',
  'source',
  'campaign_id',
  'created_at',
] as const;
const PAGE = 2_000;

/** Writes the whole suppression list as CSV (newest first), with reasons: `suppressions import` reads it back. */
export async function exportSuppressions(db: Db, open: (columns: string[]) => Writable): Promise<number> {
  const out = open([...SUPPRESSION_COLUMNS]);
  let n = 0;
  for (let offset = 0; ; offset += PAGE) {
    const rows = await suppressionsPage(db, { limit: PAGE, offset });
    for (const r of rows) {
      const row = [
        r.email_normalized,
        r.reason,
        r.detail ?? '',
        r.source ?? '',
        r.campaign_id ?? '',
        r.created_at,
      ];
      if (!out.write(row.map(escapeFormula))) await new Promise((resolve) => out.once('drain', resolve));
      n++;
    }
    if (rows.length < PAGE) break;
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
  return n;
}

/**
 * Adds every address of a suppression CSV (as exported) to the suppression list, with its reason;
 * an address already suppressed keeps its entry. Bad rows are reported by line and skipped.
 */
export async function importSuppressions(
  db: Db,
  file: string,
  onReject: (line: number, reason: string) => void,
): Promise<{ rows: number; added: number; already: number; rejected: number }> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new NumeroError('USAGE', `${file}: no such file`);
  const summary = { rows: 0, added: 0, already: 0, rejected: 0 };
  const parser = fs.createReadStream(file).pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      info: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    summary.rows++;
    const parsed = parseAddress(record.email ?? '');
    const reason = unescapeFormula(record.reason ?? '')
      .trim()
      .toLowerCase();
    if (!parsed.ok || !['bounced', 'complained', 'unsubscribed', 'manual'].includes(reason)) {
      summary.rejected++;
      onReject(
        info.lines,
        parsed.ok
          ? `reason "${reason.slice(0, 40)}": expected bounced, complained, unsubscribed or manual`
          : parsed.reason,
      );
      continue;
    }
    const added = await suppress(
      db,
      parsed.normalized,
      reason,
      unescapeFormula(record.detail ?? '').slice(0, 500) || null,
      {
        source: unescapeFormula(record.source ?? '') || 'import',
        campaignId: record.campaign_id || null,
      },
    );
    if (added) {
      summary.added++;
      await insertEvents(db, [
        {
          type: 'suppressed',
          list_id: null,
          subscriber_id: null,
          reason: `import ${reason} ${parsed.normalized}`.slice(0, 200),
        },
      ]);
    } else summary.already++;
  }
  return summary;
}
