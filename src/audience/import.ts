import fs from 'node:fs';
import { parse } from 'csv-parse';
import { parseAddress, parseMailbox } from '../_shared/address.ts';
import { NumeroError } from '../errors.ts';
import {
  insertSubscribers,
  type List,
  membershipsOf,
  requireList,
  subscribersByNormalized,
  suppressedAmong,
  updateSubscriber,
} from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import type { MembershipStatus } from '../store/schema.ts';
import { STATUS_COLUMNS, statusOf, unescapeFormula } from './csv-cells.ts';
import { applyImportedStatus, importMembers, resubscribe } from './membership.ts';

/** numero's own export columns about the reader's standing: read, never stored as attributes. */
const RESERVED = new Set<string>(STATUS_COLUMNS);

export const BATCH_ROWS = 1000;

/** Bounds on what one reader may carry: a name, attributes (count, key and value lengths). */
export const LIMITS = { name: 200, attributes: 50, key: 64, value: 1000 } as const;

/** Why a reader's name and attributes are out of bounds (never echoing the value), or null. */
export function readerDataProblem(name: string | null, attributes: Record<string, string>): string | null {
  if (name && name.length > LIMITS.name) return `name longer than ${LIMITS.name} characters (${name.length})`;
  const keys = Object.keys(attributes);
  if (keys.length > LIMITS.attributes)
    return `more than ${LIMITS.attributes} attribute columns (${keys.length})`;
  for (const k of keys) {
    if (k.length > LIMITS.key) return `attribute column name longer than ${LIMITS.key} characters`;
    const v = attributes[k] ?? '';
    if (v.length > LIMITS.value)
      return `attribute ${k.slice(0, 40)} longer than ${LIMITS.value} characters (${v.length})`;
  }
  return null;
}

export interface ImportSummary {
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Unsubscribed, bounced, complained or suppressed addresses left as they are. */
  kept: number;
  /** Unsubscribed members made active again by --resubscribe. */
  resubscribed: number;
  /** Readers the file says unsubscribed, bounced or complained, recorded so (new, or active until now). */
  left: number;
}

export interface Rejection {
  line: number;
  email: string;
  reason: string;
}

export interface ImportOptions {
  file: string;
  list: string;
  /** Re-activate members who had unsubscribed from this list (logged). Never lifts a suppression. */
  resubscribe?: boolean;
  onReject?: (r: Rejection) => void;
  /** Called after each batch with rows done and bytes read. */
  onProgress?: (rows: number, bytesRead: number) => void;
}

interface Row {
  line: number;
  email: string;
  normalized: string;
  name: string | null;
  attributes: Record<string, string>;
  /** What the file says of the reader's standing (no `status` column: active). */
  status: MembershipStatus;
}

/**
 * Streams a CSV (header row with at least `email`; `name`; any other column becomes an attribute)
 * into a list, in transactions of BATCH_ROWS rows, so memory stays flat at any size. Bad rows are
 * reported with their line and skipped; re-importing the same file changes nothing; an address
 * that left the list or is suppressed is never made active again unless `resubscribe` says so.
 */
export async function importCsv(store: Store, opts: ImportOptions): Promise<ImportSummary> {
  const list = await requireList(store.db, opts.list);
  const summary: ImportSummary = {
    rows: 0,
    added: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    kept: 0,
    resubscribed: 0,
    left: 0,
  };
  const reject = (r: Rejection) => {
    summary.rejected++;
    opts.onReject?.(r);
  };

  if (!fs.existsSync(opts.file)) throw new NumeroError('USAGE', `${opts.file}: no such file`);
  if (!fs.statSync(opts.file).isFile())
    throw new NumeroError('USAGE', `${opts.file}: not a file (a CSV file is expected)`);
  const delimiter = detectDelimiter(opts.file);
  const input = fs.createReadStream(opts.file);
  let header: string[] | null = null;
  const parser = input.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // Spreadsheets write `Jean "Jojo" Dupont` unquoted: keep such rows whole.
      relax_quotes: true,
      delimiter,
      skip_records_with_error: true,
      info: true,
      columns: (h: string[]) => {
        header = h.map((c) => c.trim());
        const lower = header.map((c) => c.toLowerCase());
        const twice = lower.find((c, i) => c && lower.indexOf(c) !== i);
        if (twice !== undefined) {
          throw new NumeroError(
            'USAGE',
            `${opts.file}:1: header: the column "${twice.slice(0, 64)}" appears twice: which one is meant is unclear, so nothing was imported`,
          );
        }
        if (!lower.includes('email')) {
          throw new NumeroError(
            'USAGE',
            `${opts.file}:1: header: no "email" column (found: ${header.join(', ') || 'nothing'})`,
          );
        }
        return lower.map((c, i) =>
          c === 'email' || c === 'name' || RESERVED.has(c) ? c : (header?.[i] ?? c),
        );
      },
    }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    summary.rows++;
    reject({ line: err.lines ?? 0, email: '', reason: `unreadable CSV row: ${err.message}` });
  });

  let batch: Row[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      summary.rows++;
      const { email: cell = '', name: nameCell = '', ...rest } = record;
      // `Marie Curie <marie@example.fr>` in the address column: the address, and the name when none is given.
      const mailbox = parseMailbox(cell);
      const email = mailbox.address;
      const rawName = nameCell || mailbox.name || '';
      const parsed = parseAddress(email);
      if (!parsed.ok) {
        reject({ line: info.lines, email, reason: parsed.reason });
        continue;
      }
      const status = statusOf(rest.status);
      if (!status) {
        reject({
          line: info.lines,
          email: parsed.address,
          reason: `status "${String(rest.status).slice(0, 40)}": expected active, unsubscribed, bounced or complained`,
        });
        continue;
      }
      const name = unescapeFormula(rawName);
      const attributes = Object.fromEntries(
        Object.entries(rest)
          .filter(([k, v]) => k && v !== '' && v !== undefined && !RESERVED.has(k))
          .map(([k, v]) => [k, unescapeFormula(v)]),
      );
      const tooBig = readerDataProblem(name || null, attributes);
      if (tooBig) {
        reject({ line: info.lines, email: parsed.address, reason: tooBig });
        continue;
      }
      batch.push({
        line: info.lines,
        email: parsed.address,
        normalized: parsed.normalized,
        name: name || null,
        attributes,
        status,
      });
      if (batch.length >= BATCH_ROWS) {
        await applyBatch(store, list, batch, summary, opts.resubscribe ?? false);
        batch = [];
        opts.onProgress?.(summary.rows, input.bytesRead);
      }
    }
    if (batch.length) await applyBatch(store, list, batch, summary, opts.resubscribe ?? false);
    opts.onProgress?.(summary.rows, input.bytesRead);
  } catch (e) {
    input.destroy();
    if (e instanceof NumeroError) throw e;
    const err = e as Error & { lines?: number };
    throw new NumeroError('USAGE', `${opts.file}:${err.lines ?? '?'}: ${err.message}`, { cause: e });
  }
  if (header === null)
    throw new NumeroError('USAGE', `${opts.file}: empty file (expected a header row with an email column)`);
  return summary;
}

/** One transaction: look the batch up, then insert or update what changed. */
async function applyBatch(
  store: Store,
  list: List,
  rows: Row[],
  summary: ImportSummary,
  resubscribeAll: boolean,
) {
  // Duplicates within the batch merge into the first occurrence, in file order.
  const merged = new Map<string, Row>();
  const dupes: Row[] = [];
  for (const r of rows) {
    const first = merged.get(r.normalized);
    if (!first) merged.set(r.normalized, r);
    else {
      dupes.push(r);
      first.name = r.name ?? first.name;
      first.attributes = { ...first.attributes, ...r.attributes };
      // A reader who left, in any of their rows, has left: a later "active" never overrides it.
      if (first.status === 'active') first.status = r.status;
    }
  }

  await store.db.transaction().execute(async (trx) => {
    const keys = [...merged.keys()];
    const existing = new Map((await subscribersByNormalized(trx, keys)).map((s) => [s.email_normalized, s]));
    const suppressed = await suppressedAmong(trx, keys);
    const statuses = await membershipsOf(
      trx,
      list.id,
      [...existing.values()].map((s) => s.id),
    );
    const newSubscribers: Row[] = [];
    const newMembers: Array<{ subscriberId: number; emailNormalized: string; status: MembershipStatus }> = [];

    for (const row of merged.values()) {
      const sub = existing.get(row.normalized);
      if (!sub) {
        if (suppressed.has(row.normalized)) {
          summary.kept++;
          continue;
        }
        newSubscribers.push(row);
        continue;
      }
      const oldAttributes = JSON.parse(sub.attributes) as Record<string, string>;
      const attributes = { ...oldAttributes, ...row.attributes };
      const name = row.name ?? sub.name;
      // The address is kept as first given: a later row differing only in the domain's case is the same reader.
      const changed = name !== sub.name || JSON.stringify(attributes) !== JSON.stringify(oldAttributes);
      const status = statuses.get(sub.id);
      if (status === undefined) {
        if (suppressed.has(row.normalized)) {
          summary.kept++;
          continue;
        }
        if (changed) await updateSubscriber(trx, sub.id, { name, attributes: JSON.stringify(attributes) });
        newMembers.push({ subscriberId: sub.id, emailNormalized: row.normalized, status: row.status });
        continue;
      }
      if (changed) await updateSubscriber(trx, sub.id, { name, attributes: JSON.stringify(attributes) });
      if (status === 'active' && row.status !== 'active') {
        // The file says this reader left: they leave here too, with the event that says how.
        const who = {
          listId: list.id,
          subscriberId: sub.id,
          campaignId: null,
          emailNormalized: row.normalized,
        };
        await applyImportedStatus(trx, who, row.status, 'import');
        summary.left++;
      } else if (status === 'active') {
        if (changed) summary.updated++;
        else summary.unchanged++;
      } else if (
        status === 'unsubscribed' &&
        row.status === 'active' &&
        resubscribeAll &&
        !suppressed.has(row.normalized)
      ) {
        await resubscribe(
          trx,
          { listId: list.id, subscriberId: sub.id, campaignId: null },
          'import --resubscribe',
        );
        summary.resubscribed++;
      } else {
        summary.kept++;
      }
    }

    const inserted = await insertSubscribers(
      trx,
      newSubscribers.map((r) => ({
        email: r.email,
        email_normalized: r.normalized,
        name: r.name,
        attributes: JSON.stringify(r.attributes),
      })),
    );
    const statusOfNew = new Map(newSubscribers.map((r) => [r.normalized, r.status]));
    const members = [
      ...inserted.map((s) => ({
        subscriberId: s.id,
        emailNormalized: s.email_normalized,
        status: statusOfNew.get(s.email_normalized) ?? ('active' as const),
      })),
      ...newMembers,
    ];
    await importMembers(trx, list.id, members, 'import');
    const joined = members.filter((m) => m.status === 'active').length;
    summary.added += joined;
    summary.left += members.length - joined;
  });
  // A repeated row is compared with the merged first one: same data, nothing more to do.
  summary.unchanged += dupes.length;
}

/**
 * The delimiter of a CSV as spreadsheets write it: `;` (French and German Excel), a tab, or `,`,
 * whichever the header line holds most of outside quotes.
 */
export function detectDelimiter(file: string): string {
  const buf = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  let n = 0;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const first =
    buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)[0] ?? '';
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of first) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const [best, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [',', 0];
  return count > 0 ? best : ',';
}
