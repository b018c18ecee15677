import { parseAddress, parseMailbox } from '../_shared/address.ts';
import { NumeroError } from '../errors.ts';
import {
  insertSubscribers,
  type List,
  membershipsOf,
  onOtherLists,
  requireList,
  subscribersByNormalized,
  suppress,
  suppressedAmong,
  updateSubscriber,
} from '../store/audience.ts';
import type { Store } from '../store/db.ts';
import type { MembershipStatus } from '../store/schema.ts';
import { openCsv } from './csv-source.ts';
import { formatFor, type RowReader } from './formats.ts';
import { applyImportedStatus, importMembers, resubscribe } from './membership.ts';
import { SeenAddresses } from './seen-addresses.ts';

export const BATCH_ROWS = 1000;
/** A header wider than this is not a subscriber list (a spreadsheet saved with the wrong delimiter, or junk). */
export const MAX_COLUMNS = 500;

/** The first NUL or other C0/DEL control character (tab and line breaks aside) in a row's cells. */
export function controlCharacterIn(cells: readonly string[]): { column: number; code: string } | null {
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k] as string;
    for (let i = 0; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      if ((ch < 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) || ch === 0x7f)
        return { column: k + 1, code: `U+${ch.toString(16).toUpperCase().padStart(4, '0')}` };
    }
  }
  return null;
}

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
  /** Of the updated readers, those also on other lists: their name or attributes changed there too. */
  updatedElsewhere: number;
  /** Existing readers whose name or attributes differ from the file, kept as they were (--no-update). */
  notUpdated: number;
  unchanged: number;
  rejected: number;
  /** Unsubscribed, bounced, complained or suppressed addresses left as they are. */
  kept: number;
  /** Unsubscribed members made active again by --resubscribe. */
  resubscribed: number;
  /** Readers the file says unsubscribed, bounced or complained, recorded so (new, or active until now). */
  left: number;
  /** Rows whose address is a reader already given, written with other letter case: one reader. */
  caseVariants: number;
  /**
   * Rows repeating an address given on an earlier line of the same file (letter case aside): merged
   * into one reader, later cells winning, a "left" in any row winning; reported with both lines.
   */
  duplicates: number;
  /** The source format recognised (or forced with --from), the encoding and the delimiter read. */
  format: string;
  encoding: string;
  guessedEncoding: boolean;
  delimiter: string;
}

export interface Rejection {
  line: number;
  email: string;
  reason: string;
}

/** A row repeating the address of an earlier line. */
export interface Duplicate {
  line: number;
  firstLine: number;
  email: string;
}

export interface ImportOptions {
  file: string;
  list: string;
  /** Re-activate members who had unsubscribed from this list (logged). Never lifts a suppression. */
  resubscribe?: boolean;
  /** Keep the name and attributes of readers already known (default: the file updates them). */
  update?: boolean;
  /** Force a source format (see formats.ts) instead of recognising it by its header. */
  from?: string | undefined;
  /** Read the file in this encoding instead of detecting it. */
  encoding?: string | undefined;
  onReject?: (r: Rejection) => void;
  onDuplicate?: (d: Duplicate) => void;
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
  /** The old tool's do-not-mail entry (listmonk blocklisted): suppressed here too. */
  suppress?: string | undefined;
  /** The line that first gave this address, when this row repeats it. */
  repeatOf?: number | undefined;
}

/**
 * Streams a CSV (numero's own, a spreadsheet with an email column, or another tool's export; see
 * formats.ts) into a list, in transactions of BATCH_ROWS rows, so memory stays flat at any size.
 * Bad rows are reported with their line and skipped; re-importing the same file changes nothing; an
 * address that left the list or is suppressed is never made active again unless `resubscribe` says so.
 */
export async function importCsv(store: Store, opts: ImportOptions): Promise<ImportSummary> {
  const list = await requireList(store.db, opts.list);
  const csv = await openCsv(opts.file, { encoding: opts.encoding });
  const summary: ImportSummary = {
    rows: 0,
    added: 0,
    updated: 0,
    updatedElsewhere: 0,
    notUpdated: 0,
    unchanged: 0,
    rejected: 0,
    kept: 0,
    resubscribed: 0,
    left: 0,
    caseVariants: 0,
    duplicates: 0,
    format: '',
    encoding: csv.encoding,
    guessedEncoding: csv.guessedEncoding,
    delimiter: csv.delimiter,
  };
  const reject = (r: Rejection) => {
    summary.rejected++;
    // Never echo a whole cell: an address of 50 MB is shown by its first characters.
    opts.onReject?.({
      ...r,
      email: r.email.length > 120 ? `${r.email.slice(0, 100)}… (${r.email.length} characters)` : r.email,
    });
  };
  const settings = { resubscribe: opts.resubscribe ?? false, update: opts.update ?? true };

  let read: RowReader | null = null;
  let batch: Row[] = [];
  const seen = new SeenAddresses();
  try {
    for await (const { line, cells } of csv.records((p) => {
      if (!read)
        throw new NumeroError(
          'USAGE',
          `${opts.file}:${p.line}: the header row cannot be read: ${p.reason.split(':')[0]}`,
        );
      summary.rows++;
      reject({ line: p.line, email: '', reason: p.reason });
    })) {
      if (!read) {
        if (cells.length > MAX_COLUMNS)
          throw new NumeroError(
            'USAGE',
            `${opts.file}:${line}: the header has ${cells.length} columns: at most ${MAX_COLUMNS} (is this the right file and delimiter?)`,
          );
        const format = formatFor(cells, opts.file, opts.from);
        summary.format = format.name;
        read = format.compile(cells, opts.file);
        continue;
      }
      summary.rows++;
      // NUL and other control characters: PostgreSQL cannot store NUL and SQLite would keep it,
      // and none belongs in a name or an attribute. The row is refused on both, with its line.
      const control = controlCharacterIn(cells);
      if (control) {
        reject({
          line,
          email: '',
          reason: `column ${control.column} holds a control character (${control.code}): row not imported; remove it from the cell`,
        });
        continue;
      }
      const r = read(cells);
      if ('reject' in r) {
        reject({
          line,
          email: parseMailbox(cells.find((c) => c.includes('@')) ?? '').address,
          reason: r.reject,
        });
        continue;
      }
      // `Marie Curie <marie@example.fr>` in the address column: the address, and the name when none is given.
      const mailbox = parseMailbox(r.email);
      const parsed = parseAddress(mailbox.address);
      if (!parsed.ok) {
        reject({ line, email: mailbox.address, reason: parsed.reason });
        continue;
      }
      const name = r.name || mailbox.name || '';
      // U+FFFD is what a decoder leaves where bytes were lost: storing it would send "Ren� Dupont".
      if (name.includes('\uFFFD') || Object.values(r.attributes).some((v) => v.includes('\uFFFD'))) {
        reject({
          line,
          email: parsed.address,
          reason:
            'contains \uFFFD (U+FFFD): the text was damaged before this file was written; fix the cell, or say --encoding if the file is not UTF-8',
        });
        continue;
      }
      const tooBig = readerDataProblem(name || null, r.attributes);
      if (tooBig) {
        reject({ line, email: parsed.address, reason: tooBig });
        continue;
      }
      const repeatOf = seen.firstLine(parsed.normalized, line);
      if (repeatOf !== undefined) {
        summary.duplicates++;
        opts.onDuplicate?.({ line, firstLine: repeatOf, email: parsed.address });
      }
      batch.push({
        line,
        email: parsed.address,
        normalized: parsed.normalized,
        name: name || null,
        attributes: r.attributes,
        status: r.status,
        suppress: r.suppress,
        repeatOf,
      });
      if (batch.length >= BATCH_ROWS) {
        await applyBatch(store, list, batch, summary, settings);
        batch = [];
        opts.onProgress?.(summary.rows, csv.bytesRead());
      }
    }
    if (batch.length) await applyBatch(store, list, batch, summary, settings);
    opts.onProgress?.(summary.rows, csv.bytesRead());
  } catch (e) {
    if (e instanceof NumeroError) throw e;
    const err = e as Error & { lines?: number };
    throw new NumeroError('USAGE', `${opts.file}:${err.lines ?? '?'}: ${err.message}`, { cause: e });
  } finally {
    csv.close();
  }
  if (read === null)
    throw new NumeroError('USAGE', `${opts.file}: empty file (expected a header row with an email column)`);
  return summary;
}

/** One transaction: look the batch up, then insert or update what changed. */
async function applyBatch(
  store: Store,
  list: List,
  rows: Row[],
  summary: ImportSummary,
  settings: { resubscribe: boolean; update: boolean },
) {
  // Rows for one reader (letter case aside) merge into the first occurrence, in file order.
  const merged = new Map<string, Row>();
  for (const r of rows) {
    const first = merged.get(r.normalized);
    if (!first) {
      merged.set(r.normalized, r);
      continue;
    }
    if (r.email !== first.email) summary.caseVariants++;
    first.name = r.name ?? first.name;
    first.attributes = { ...first.attributes, ...r.attributes };
    // A reader who left, in any of their rows, has left: a later "active" never overrides it.
    if (first.status === 'active') first.status = r.status;
    first.suppress ??= r.suppress;
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
    const renamed: number[] = [];
    // A row repeating an earlier batch's address was counted as a duplicate: it adds to the counts
    // only what it changed (updated, left, resubscribed), never a second "unchanged" or "kept".
    const quiet = (row: Row, key: 'kept' | 'notUpdated' | 'unchanged') => {
      if (row.repeatOf === undefined) summary[key]++;
    };

    for (const row of merged.values()) {
      if (row.suppress && !suppressed.has(row.normalized)) {
        await suppress(trx, row.normalized, row.suppress, `imported as ${row.suppress}`, {
          source: `import ${summary.format}`,
        });
        suppressed.set(row.normalized, row.suppress);
      }
      const sub = existing.get(row.normalized);
      if (!sub) {
        if (suppressed.has(row.normalized)) {
          quiet(row, 'kept');
          continue;
        }
        newSubscribers.push(row);
        continue;
      }
      // The address is kept as first given: a row differing only in letter case is the same reader.
      if (row.email !== sub.email) summary.caseVariants++;
      const oldAttributes = JSON.parse(sub.attributes) as Record<string, string>;
      const attributes = { ...oldAttributes, ...row.attributes };
      const name = row.name ?? sub.name;
      const differs = name !== sub.name || JSON.stringify(attributes) !== JSON.stringify(oldAttributes);
      const changed = differs && settings.update;
      if (differs && !settings.update) quiet(row, 'notUpdated');
      if (changed) {
        await updateSubscriber(trx, sub.id, { name, attributes: JSON.stringify(attributes) });
        renamed.push(sub.id);
      }
      const status = statuses.get(sub.id);
      if (status === undefined) {
        if (suppressed.has(row.normalized)) {
          quiet(row, 'kept');
          continue;
        }
        newMembers.push({ subscriberId: sub.id, emailNormalized: row.normalized, status: row.status });
        if (changed) summary.updated++;
        continue;
      }
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
        else quiet(row, 'unchanged');
      } else if (
        status === 'unsubscribed' &&
        row.status === 'active' &&
        settings.resubscribe &&
        !suppressed.has(row.normalized)
      ) {
        await resubscribe(
          trx,
          { listId: list.id, subscriberId: sub.id, campaignId: null },
          'import --resubscribe',
        );
        summary.resubscribed++;
      } else {
        quiet(row, 'kept');
      }
    }
    // A reader is one person across lists: a new name given here shows on their other lists too.
    if (renamed.length) summary.updatedElsewhere += await onOtherLists(trx, list.id, renamed);

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
}
