import fs from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';
import { requireAddress } from './output.ts';

/**
 * What comes back: `numero bounces classify|process FILE…`, `numero inbound` (the SMTP listener and
 * the IMAP poller), and `numero suppressions list|add|remove`.
 */
export function registerBounces(program: Command, config: () => Config): void {
  const bounces = program
    .command('bounces')
    .description('bounces, complaints and auto-replies: classify and process messages');
  bounces
    .command('classify')
    .description(
      'print one JSON line per recipient each message reports on (kind, recipient, status, campaign, subscriber)',
    )
    .argument('<files...>', 'raw messages (.eml)')
    .action(async (files: string[]) => {
      const { classifyMessage } = await import('../events/classify.ts');
      for (const file of files) {
        const raw = readMessage(file);
        for (const r of classifyMessage(raw)) {
          const { kind, recipient, status, reason, fault, campaign, subscriber } = r;
          console.log(JSON.stringify({ file, kind, recipient, status, reason, fault, campaign, subscriber }));
        }
      }
    });
  bounces
    .command('process')
    .description('run messages through the actions (suppress, count, pause), as if they had arrived')
    .argument('<files...>', 'raw messages (.eml)')
    .action(async (files: string[]) => {
      const cfg = config();
      const { openStore } = await import('../store/db.ts');
      const { processInbound } = await import('../events/pipeline.ts');
      const { inboundSettings } = await import('../events/start.ts');
      const store = await openStore(cfg);
      try {
        for (const file of files) {
          const r = await processInbound(
            store,
            { raw: readMessage(file), source: 'file' },
            inboundSettings(cfg),
          );
          if (r.duplicate) {
            console.log(`${file}: already processed (same message), nothing changed`);
            continue;
          }
          for (const x of r.reports)
            console.log(`${file}: ${x.kind} ${x.recipient ?? '-'} ${x.status ?? ''}: ${x.action}`);
          if (r.unsubscribed) console.log(`${file}: ${r.unsubscribed} unsubscribe request(s)`);
          for (const p of r.paused) console.log(`${file}: ${p}`);
        }
      } finally {
        await store.close();
      }
    });

  bounces
    .command('list')
    .description('the bounce reports and complaints received, newest first, with what numero did about each')
    .option('-c, --campaign <n>', 'only those of this campaign')
    .option('-k, --kind <kind>', 'only this kind: hard, soft, policy, complaint, autoreply, unknown')
    .option('-u, --unattributed', 'only those that named no reader numero could verify')
    .option('-n, --limit <n>', 'at most this many', '50')
    .action(async (opts: { campaign?: string; kind?: string; unattributed?: boolean; limit: string }) => {
      const kinds = ['hard', 'soft', 'policy', 'complaint', 'autoreply', 'unknown'];
      if (opts.kind && !kinds.includes(opts.kind))
        throw new NumeroError('USAGE', `--kind ${opts.kind}: one of ${kinds.join(', ')}`);
      const campaignId = opts.campaign === undefined ? undefined : positiveInt(opts.campaign, '--campaign');
      const { openStore } = await import('../store/db.ts');
      const { bounceReportsPage } = await import('../store/inbound.ts');
      const store = await openStore(config());
      try {
        const rows = await bounceReportsPage(store.db, {
          campaignId,
          kind: opts.kind,
          unattributed: opts.unattributed === true,
          limit: Math.min(10_000, positiveInt(opts.limit, '--limit')),
        });
        if (!rows.length) console.log('no report');
        for (const r of rows)
          console.log(
            [
              r.created_at.slice(0, 19),
              r.source,
              r.kind,
              r.campaign_id === null ? '-' : `campaign ${r.campaign_id}`,
              r.recipient ?? '(no recipient)',
              r.status ?? '',
              r.action,
              r.diagnostic ? `| ${r.diagnostic.slice(0, 160)}` : '',
            ].join('  '),
          );
      } finally {
        await store.close();
      }
    });
  bounces
    .command('undo')
    .description(
      'restore the readers a campaign marked bounced (suppressed) for one reply: their bounce suppression is lifted and their lists reopen, logged; never touches readers who left by themselves or complained',
    )
    .requiredOption('-c, --campaign <n>', 'the campaign whose bounces to undo')
    .option('-r, --reply <text>', 'only bounces whose reply contains these words')
    .option('--code <status>', 'only bounces with this status code (e.g. 5.1.8)')
    .option('--dry-run', 'say who would be restored, change nothing')
    .action(async (opts: { campaign: string; reply?: string; code?: string; dryRun?: boolean }) => {
      const campaignId = positiveInt(opts.campaign, '--campaign');
      if (opts.code && !/^[245]\.\d{1,3}\.\d{1,3}$/.test(opts.code))
        throw new NumeroError('USAGE', `--code ${opts.code}: an enhanced status code such as 5.1.8`);
      if (opts.reply !== undefined && !opts.reply.trim())
        throw new NumeroError('USAGE', '--reply: give some words of the reply');
      const { openStore } = await import('../store/db.ts');
      const { undoCampaignBounces } = await import('../events/undo.ts');
      const store = await openStore(config());
      try {
        const r = await undoCampaignBounces(store, {
          campaignId,
          reply: opts.reply,
          code: opts.code,
          dryRun: opts.dryRun === true,
          by: 'cli',
        });
        for (const x of r.readers) console.log(`${x.email}  ${x.detail ?? ''}`.slice(0, 240));
        if (opts.dryRun)
          console.log(`dry run: ${r.readers.length} reader(s) of campaign ${campaignId} would be restored`);
        else
          console.log(
            `${r.readers.length} reader(s) of campaign ${campaignId} restored: ${r.listsReopened} list membership(s) reopened` +
              (r.deliveriesReopened
                ? `, ${r.deliveriesReopened} refused message(s) back to pending (numero campaign resume ${campaignId} sends them)`
                : ''),
          );
      } finally {
        await store.close();
      }
    });

  program
    .command('inbound')
    .description(
      'receive bounces, complaints and mailto unsubscribes: the SMTP listener (INBOUND_SMTP_PORT) and the IMAP poller (BOUNCE_IMAP_URL)',
    )
    .action(async () => {
      const cfg = config();
      if (!cfg.unsubscribeSecret)
        throw new NumeroError(
          'USAGE',
          'numero inbound needs UNSUBSCRIBE_SECRET, the same as the workers’: it is how each bounce is checked to name a delivery numero made',
        );
      if (!cfg.inbound.smtp && !cfg.inbound.imap)
        throw new NumeroError(
          'USAGE',
          'numero inbound needs INBOUND_SMTP_PORT (a listener) or BOUNCE_IMAP_URL (a mailbox to poll)',
        );
      const { createLogger } = await import('../_shared/log.ts');
      const { openStore } = await import('../store/db.ts');
      const { untilStopped } = await import('../runtime/signals.ts');
      const { startInbound } = await import('../events/start.ts');
      // Listening before the servers start: a SIGTERM right after they say so still stops them gracefully.
      const stopped = untilStopped();
      const log = createLogger('numero-inbound', cfg.logLevel);
      const store = await openStore(cfg);
      const inbound = await startInbound(cfg, store, log);
      console.log(inbound.description);
      await stopped;
      await inbound.stop();
      await store.close();
      process.exit(0);
    });

  const sup = program.commands.find((c) => c.name() === 'suppressions');
  if (!sup) throw new Error('register the audience commands first');
  sup
    .command('list')
    .description('the suppressed addresses, newest first, with reason and source')
    .option('-s, --search <text>', 'only addresses containing this')
    .option('-n, --limit <n>', 'at most this many', '100')
    .action(async (opts: { search?: string; limit: string }) => {
      const { openStore } = await import('../store/db.ts');
      const { suppressionsPage } = await import('../store/audience.ts');
      const store = await openStore(config());
      try {
        const rows = await suppressionsPage(store.db, {
          search: opts.search,
          limit: Math.max(1, Number(opts.limit) || 100),
        });
        if (!rows.length) console.log('no suppressed address');
        for (const r of rows)
          console.log(
            [r.created_at.slice(0, 19), r.email_normalized, r.reason, r.source ?? '', r.detail ?? ''].join(
              '  ',
            ),
          );
      } finally {
        await store.close();
      }
    });
  sup
    .command('add')
    .description('suppress an address by hand: never sent to again, on any list (logged)')
    .argument('<email>')
    .option('-d, --detail <text>', 'why', 'added by hand')
    .action(async (email: string, opts: { detail: string }) => {
      const parsed = requireAddress(email);
      const { openStore } = await import('../store/db.ts');
      const { suppressByHand } = await import('../audience/membership.ts');
      const store = await openStore(config());
      try {
        const added = await suppressByHand(store.db, parsed.normalized, opts.detail, 'cli');
        console.log(
          added ? `${parsed.normalized} suppressed` : `${parsed.normalized} was already suppressed`,
        );
      } finally {
        await store.close();
      }
    });
  sup
    .command('remove')
    .description(
      'lift a suppression (logged): the address may be sent to again; the lists it had closed reopen',
    )
    .argument('<email>')
    .action(async (email: string) => {
      const parsed = requireAddress(email);
      const { openStore } = await import('../store/db.ts');
      const { unsuppress } = await import('../audience/membership.ts');
      const store = await openStore(config());
      try {
        const lifted = await unsuppress(store.db, parsed.normalized, 'cli');
        console.log(
          lifted
            ? `${parsed.normalized}: suppression lifted (logged)`
            : `${parsed.normalized} was not suppressed`,
        );
      } finally {
        await store.close();
      }
    });
}

function positiveInt(value: string, name: string): number {
  if (!/^\d{1,12}$/.test(value) || Number(value) < 1)
    throw new NumeroError('USAGE', `${name} ${value}: a positive whole number`);
  return Number(value);
}

function readMessage(file: string): Buffer {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new NumeroError('USAGE', `${file}: no such file`);
  return fs.readFileSync(file);
}
