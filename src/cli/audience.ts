import fs from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify';
import { exportMembers } from '../audience/export.ts';
import { FORMAT_NAMES } from '../audience/formats.ts';
import { type ImportSummary, importCsv, readerDataProblem } from '../audience/import.ts';
import { subscribe, unsubscribe } from '../audience/membership.ts';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';
import { createList, listCounts, requireList, subscribersByNormalized } from '../store/audience.ts';
import { openStore, type Store } from '../store/db.ts';
import { allListSettings } from '../store/list-settings.ts';
import { type ReaderRecord, readerRecord } from '../store/reader-record.ts';
import { MEMBERSHIP_STATUSES, type MembershipStatus } from '../store/schema.ts';
import { requireAddress } from './output.ts';

async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function registerAudience(program: Command, config: () => Config): void {
  const lists = program.command('lists').description('mailing lists, with counts per status');
  lists.action(async () => {
    await withStore(config(), async (store) => {
      const rows = await listCounts(store.db);
      if (!rows.length) return console.log('no lists yet: numero lists create NAME');
      const settings = new Map((await allListSettings(store.db)).map((s) => [s.id, s]));
      console.log(
        ['list', 'lang', ...MEMBERSHIP_STATUSES, 'total', 'signup', 'tracking']
          .map((h) => h.padEnd(13))
          .join(''),
      );
      for (const r of rows) {
        const s = settings.get(r.id);
        const signup = s?.public
          ? `public, ${s.optin} opt-in${s.welcome ? `, welcome ${s.welcome}` : ''}`
          : 'private';
        console.log(
          [r.name, r.lang, ...MEMBERSHIP_STATUSES.map((st) => r[st]), r.total, signup]
            .map((v) => String(v).padEnd(13))
            .join('') + ` ${s?.tracking || 'off'}`,
        );
      }
    });
  });
  lists
    .command('create')
    .description('create a list')
    .argument('<name>', 'list name (letters, digits, . - _)')
    .option('--lang <lang>', 'language of its unsubscribe pages', 'fr')
    .action(async (name: string, opts: { lang: string }) => {
      await withStore(config(), async (store) => {
        const list = await createList(store.db, name, opts.lang);
        console.log(`created list ${list.name} (${list.lang})`);
      });
    });

  const subs = program.command('subscribers').description('import, export, add and remove subscribers');
  subs
    .command('import')
    .description(
      'import a CSV: numero’s own, a spreadsheet with an email column, or an export of Mailchimp, Substack, beehiiv, Ghost, listmonk or Brevo (recognised by its header)',
    )
    .argument('<file>', 'CSV file')
    .requiredOption('-l, --list <name>', 'the list to import into')
    .option(
      '--resubscribe',
      're-activate readers who had unsubscribed from this list (logged; never lifts a suppression)',
    )
    .option('--from <tool>', `read the file as this tool's export (${FORMAT_NAMES.join(', ')})`)
    .option(
      '--encoding <name>',
      'the file’s encoding (default: UTF-8, or Windows-1252 when it is not valid UTF-8)',
    )
    .option('--no-update', 'keep the name and attributes of readers already known')
    .action(
      async (
        file: string,
        opts: { list: string; resubscribe?: boolean; from?: string; encoding?: string; update: boolean },
      ) => {
        await withStore(config(), async (store) => {
          const total = fs.existsSync(file) ? fs.statSync(file).size : 0;
          let bar: cliProgress.SingleBar | null = null;
          const shown: string[] = [];
          let hidden = 0;
          const started = performance.now();
          const summary = await importCsv(store, {
            file,
            list: opts.list,
            resubscribe: opts.resubscribe,
            update: opts.update,
            from: opts.from,
            encoding: opts.encoding,
            onReject: (r) => {
              const line = `${file}:${r.line}: ${r.email ? `${r.email}: ` : ''}${r.reason}`;
              if (shown.length < 50) shown.push(line);
              else hidden++;
            },
            onDuplicate: (d) => {
              const line = `${file}:${d.line}: ${d.email}: repeats line ${d.firstLine}: merged into one reader`;
              if (shown.length < 50) shown.push(line);
              else hidden++;
            },
            onProgress: (rows, bytes) => {
              if (!bar && rows >= 10_000 && process.stderr.isTTY) {
                bar = new cliProgress.SingleBar(
                  {
                    format: 'importing [{bar}] {percentage}% | {rows} rows | {rate} rows/s',
                    stream: process.stderr,
                  },
                  cliProgress.Presets.shades_classic,
                );
                bar.start(total, 0, { rows: 0, rate: 0 });
              }
              const seconds = (performance.now() - started) / 1000;
              bar?.update(bytes, { rows, rate: Math.round(rows / Math.max(seconds, 0.001)) });
            },
          });
          (bar as cliProgress.SingleBar | null)?.stop();
          for (const line of shown) console.error(line);
          if (hidden) console.error(`… and ${hidden} more rejected or repeated rows`);
          const seconds = (performance.now() - started) / 1000;
          for (const line of importReport(file, opts.list, summary, seconds)) console.log(line);
        });
      },
    );

  subs
    .command('export')
    .description('write a list’s subscribers as CSV to standard output')
    .requiredOption('-l, --list <name>', 'the list')
    .option('-s, --status <status>', `only this status (${MEMBERSHIP_STATUSES.join(', ')})`)
    .action(async (opts: { list: string; status?: string }) => {
      if (opts.status && !(MEMBERSHIP_STATUSES as readonly string[]).includes(opts.status)) {
        throw new NumeroError('USAGE', `--status: expected one of ${MEMBERSHIP_STATUSES.join(', ')}`);
      }
      await withStore(config(), async (store) => {
        const list = await requireList(store.db, opts.list);
        await exportMembers(store, list.id, opts.status as MembershipStatus | undefined, (columns) => {
          const out = stringify({ header: true, columns });
          out.pipe(process.stdout);
          return out;
        });
      });
    });

  subs
    .command('add')
    .description('add one subscriber to a list')
    .argument('<email>')
    .requiredOption('-l, --list <name>', 'the list')
    .option('-n, --name <name>', 'their name')
    .option('--resubscribe', 'add them back even if they had unsubscribed (logged)')
    .action(async (email: string, opts: { list: string; name?: string; resubscribe?: boolean }) => {
      const parsed = requireAddress(email);
      const tooBig = readerDataProblem(opts.name ?? null, {});
      if (tooBig) throw new NumeroError('USAGE', `--name: ${tooBig}`);
      await withStore(config(), async (store) => {
        const list = await requireList(store.db, opts.list);
        const outcome = await subscribe(store.db, {
          listId: list.id,
          address: parsed,
          name: opts.name ?? null,
          source: 'cli',
          resubscribe: opts.resubscribe ?? false,
        });
        const said = {
          added: 'added',
          resubscribed: 'resubscribed',
          already: 'is already subscribed',
          suppressed: 'is suppressed (bounced or complained): not added',
          kept:
            outcome.kind === 'kept'
              ? `is ${outcome.status}: not re-activated${outcome.status === 'unsubscribed' ? ' (use --resubscribe if they asked to come back)' : ''}`
              : '',
        }[outcome.kind];
        console.log(`${parsed.address} ${said}`);
      });
    });

  subs
    .command('show')
    .description(
      'everything numero stores about one reader: lists, standing, events, deliveries (an access request)',
    )
    .argument('<email>')
    .option('--json', 'as JSON, to hand to the reader')
    .action(async (email: string, opts: { json?: boolean }) => {
      const parsed = requireAddress(email);
      await withStore(config(), async (store) => {
        const record = await readerRecord(store.db, parsed.normalized);
        if (opts.json) console.log(JSON.stringify({ address: parsed.address, ...record }, null, 2));
        else for (const line of formatReaderRecord(parsed.address, record)) console.log(line);
      });
    });

  subs
    .command('remove')
    .description('unsubscribe one address from a list (kept in the log, never deleted)')
    .argument('<email>')
    .requiredOption('-l, --list <name>', 'the list')
    .action(async (email: string, opts: { list: string }) => {
      const parsed = requireAddress(email);
      await withStore(config(), async (store) => {
        const list = await requireList(store.db, opts.list);
        const [sub] = await subscribersByNormalized(store.db, [parsed.normalized]);
        const done = sub
          ? await unsubscribe(store.db, { listId: list.id, subscriberId: sub.id, campaignId: null }, 'cli')
          : false;
        console.log(
          done
            ? `${parsed.address} unsubscribed from ${list.name}`
            : `${parsed.address} was not an active member of ${list.name}`,
        );
      });
    });

  const sup = program
    .command('suppressions')
    .description('the suppression list: export and import it with reasons');
  sup
    .command('export')
    .description('write the suppression list (email, reason, detail, source, campaign_id, created_at) as CSV')
    .action(async () => {
      const { exportSuppressions } = await import('../audience/suppressions.ts');
      await withStore(config(), async (store) => {
        await exportSuppressions(store.db, (columns) => {
          const out = stringify({ header: true, columns });
          out.pipe(process.stdout);
          return out;
        });
      });
    });
  sup
    .command('import')
    .description('add the addresses of a suppression CSV (as exported) to the suppression list')
    .argument('<file>', 'CSV file')
    .action(async (file: string) => {
      const { importSuppressions } = await import('../audience/suppressions.ts');
      await withStore(config(), async (store) => {
        const s = await importSuppressions(store.db, file, (line, reason) =>
          console.error(`${file}:${line}: ${reason}`),
        );
        console.log(
          `${file}: ${s.added} suppressed, ${s.already} already suppressed, ${s.rejected} rejected (${s.rows} rows)`,
        );
      });
    });
}

/** What an import did, in the words a sender checks before sending: one line, then a line per notice. */
export function importReport(file: string, list: string, s: ImportSummary, seconds: number): string[] {
  const parts = [
    `${s.added} added`,
    `${s.updated} updated`,
    `${s.unchanged} unchanged`,
    `${s.rejected} rejected`,
  ];
  if (s.kept) parts.push(`${s.kept} left unsubscribed/suppressed`);
  if (s.resubscribed) parts.push(`${s.resubscribed} resubscribed`);
  if (s.left) parts.push(`${s.left} recorded as unsubscribed, bounced or complained, as the file says`);
  const lines = [`${file} → ${list}: ${parts.join(', ')} (${s.rows} rows in ${seconds.toFixed(1)} s)`];
  if (s.format !== 'numero') lines.push(`  read as a ${s.format} export (--from to force another format)`);
  if (s.guessedEncoding)
    lines.push(
      `  not valid UTF-8: read as ${s.encoding === 'windows-1252' ? 'Windows-1252 (Excel’s default in Western Europe)' : s.encoding}; if accents look wrong, say --encoding`,
    );
  if (s.caseVariants)
    lines.push(
      `  ${s.caseVariants} rows give an address already known with other letter case (Jean@… and jean@…): one reader, sent to as first given`,
    );
  if (s.duplicates)
    lines.push(
      `  ${s.duplicates} rows repeat an address given on an earlier line (lines above): merged into one reader, the later cells winning, a "left" in any row winning`,
    );
  if (s.updatedElsewhere)
    lines.push(
      `  ${s.updatedElsewhere} of the updated readers are also on other lists: their name and attributes changed there too (--no-update keeps them)`,
    );
  if (s.notUpdated)
    lines.push(
      `  ${s.notUpdated} readers already known differ from the file: kept as they were (--no-update)`,
    );
  return lines;
}

/** `subscribers show`: the record in sections a person reads, every stored field shown. */
function signupLines(r: ReaderRecord): string[] {
  if (!r.signups.length) return [];
  return [
    '',
    `signups (${r.signups.length})`,
    ...r.signups.map(
      (g) =>
        `  ${g.created_at} lists ${g.list_ids} from ${g.form}${g.ip ? ` (${g.ip})` : ''}: confirmation ${g.confirm_status}${g.confirmed_at ? `, confirmed ${g.confirmed_at}` : ', not confirmed'}`,
    ),
  ];
}

export function formatReaderRecord(address: string, r: ReaderRecord): string[] {
  const out: string[] = [];
  if (!r.subscriber) {
    out.push(`${address}: no subscriber with this address`);
    if (r.suppression)
      out.push(
        `suppressed: ${r.suppression.reason} since ${r.suppression.created_at}${r.suppression.detail ? ` (${r.suppression.detail})` : ''}`,
      );
    for (const line of signupLines(r)) out.push(line);
    return out;
  }
  const s = r.subscriber;
  out.push(
    `${s.email}`,
    `  name: ${s.name ?? '(none)'}`,
    `  added: ${s.created_at}, changed: ${s.updated_at}`,
  );
  const attrs = Object.entries(s.attributes);
  out.push(
    `  attributes: ${attrs.length ? attrs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : '(none)'}`,
  );
  out.push(
    r.suppression
      ? `  suppressed: ${r.suppression.reason} since ${r.suppression.created_at}${r.suppression.detail ? ` (${r.suppression.detail})` : ''}`
      : '  suppressed: no',
  );
  out.push('', `lists (${r.lists.length})`);
  for (const l of r.lists)
    out.push(`  ${l.list}: ${l.status} (since ${l.updated_at}; joined ${l.created_at} by ${l.source})`);
  out.push('', `consents (${r.consents.length})`);
  for (const c of r.consents)
    out.push(
      `  ${c.given_at} ${c.method} opt-in, lists ${c.list_ids}, asked ${c.asked_at} from ${c.form}${c.ip ? ` (${c.ip})` : ''}: “${c.text}”`,
    );
  for (const line of signupLines(r)) out.push(line);
  out.push('', `events (${r.events.length})`);
  for (const e of r.events)
    out.push(
      `  ${e.created_at} ${e.type}${e.list ? ` ${e.list}` : ''}${e.campaign_id ? ` campaign ${e.campaign_id}` : ''}${e.reason ? `: ${e.reason}` : ''}`,
    );
  if (r.clicks.length || r.opens.length) {
    out.push(
      '',
      `clicks (${r.clicks.length}) and opens (${r.opens.length}), kept per reader for TRACKING_RETENTION_DAYS`,
    );
    for (const c of r.clicks)
      out.push(
        `  ${c.at} click campaign ${c.campaign_id}: ${c.url ?? '?'}${c.machine ? ` (a machine: ${c.why})` : ''}`,
      );
    for (const o of r.opens)
      out.push(`  ${o.at} open campaign ${o.campaign_id}${o.machine ? ` (a machine: ${o.why})` : ''}`);
  }
  out.push('', `deliveries (${r.deliveries.length})`);
  for (const d of r.deliveries)
    out.push(
      `  campaign ${d.campaign_id} (${d.issue_slug}): ${d.status}, ${d.attempts} attempt(s)${d.sent_at ? `, accepted ${d.sent_at}` : ''}${d.smtp_code ? `, ${d.smtp_code} ${d.smtp_response ?? ''}` : ''}${d.message_id ? `, ${d.message_id}` : ''}`,
    );
  out.push('', `reports that came back (${r.reports.length})`);
  for (const b of r.reports)
    out.push(
      `  ${b.created_at} ${b.kind}${b.status ? ` ${b.status}` : ''}${b.campaign_id ? ` campaign ${b.campaign_id}` : ''}: ${b.action}${b.diagnostic ? ` (${b.diagnostic.slice(0, 120)})` : ''}`,
    );
  return out;
}
