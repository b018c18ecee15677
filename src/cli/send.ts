import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';

function campaignId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1)
    throw new NumeroError('USAGE', `expected a campaign id, got "${value}"`);
  return id;
}

/** numero send / worker / campaigns / campaign: thin over src/campaign/ and src/runtime/. */
export function registerSend(program: Command, config: () => Config): void {
  program
    .command('send')
    .description('send an issue to a list: check, render once, snapshot the audience, queue the batches')
    .argument('<file>', 'the issue')
    .requiredOption('-l, --list <name>', 'the list')
    .option('--at <iso-time>', 'send later, e.g. 2026-11-26T07:00:00+01:00')
    .option('--detach', 'return once queued; follow with numero campaigns')
    .option('--again', 'send an issue this list already got, as a new campaign')
    .option('--force', 'send although the preflight refuses the configuration (logged)')
    .action(
      async (
        file: string,
        opts: { list: string; at?: string; detach?: boolean; again?: boolean; force?: boolean },
      ) => {
        const { queueCampaign, followCampaign } = await import('./send-run.ts');
        const cfg = config();
        const at = opts.at ? new Date(opts.at) : null;
        if (at && Number.isNaN(at.getTime()))
          throw new NumeroError('USAGE', `--at: not a date and time: "${opts.at}"`);
        const queued = await queueCampaign(cfg, {
          file,
          list: opts.list,
          at,
          again: opts.again ?? false,
          force: opts.force ?? false,
        });
        try {
          if (!opts.detach)
            // The end-to-end time counts from this process's start, as the sender waited.
            await followCampaign(queued.store, queued.campaign.id, {
              stalled: queued.stalled,
              since: Math.round(performance.timeOrigin),
            });
        } finally {
          await queued.close();
        }
      },
    );

  program
    .command('worker')
    .description('run a send worker until SIGTERM (which lets in-flight messages finish)')
    .action(async () => {
      const { runWorkerProcess } = await import('../runtime/worker-process.ts');
      await runWorkerProcess(config());
    });

  program
    .command('campaigns')
    .description('recent campaigns with their progress')
    .action(async () => {
      const { printCampaigns } = await import('./send-run.ts');
      await printCampaigns(config());
    });

  const campaign = program
    .command('campaign')
    .description('one campaign: show its failures, pause, resume, cancel, retry failed deliveries');
  campaign
    .command('show')
    .description('totals, failures grouped by SMTP reply and by domain, attempts, why it paused')
    .argument('<id>', 'campaign id')
    .action(async (id: string) => {
      const { showCampaign } = await import('./send-run.ts');
      await showCampaign(config(), campaignId(id));
    });
  campaign
    .command('export-stats')
    .description('its engagement figures as CSV: a row per link, per hour, opens and who left')
    .argument('<id>', 'campaign id')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (id: string, o: { out?: string }) => {
      const { exportCampaignStats } = await import('./send-run.ts');
      await exportCampaignStats(config(), campaignId(id), o.out);
    });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    campaign
      .command(action)
      .description(`${action} a campaign`)
      .argument('<id>', 'campaign id')
      .action(async (id: string) => {
        const { controlCampaign } = await import('./send-run.ts');
        await controlCampaign(config(), action, campaignId(id));
      });
  }
  campaign
    .command('retry')
    .description('put failed deliveries back in line (never one sent, bounced or skipped); safe to run twice')
    .argument('<id>', 'campaign id')
    .option('--code <code>', 'only those that got this reply: 451, a class such as 4xx, or none')
    .option('--domain <domain>', 'only those to this recipient domain')
    .option('--dry-run', 'say how many and which, change nothing')
    .option(
      '--transport-failures',
      'instead: deliveries recorded bounced because the relay refused us (535 and friends)',
    )
    .action(
      async (
        id: string,
        opts: { code?: string; domain?: string; dryRun?: boolean; transportFailures?: boolean },
      ) => {
        const { controlCampaign } = await import('./send-run.ts');
        await controlCampaign(config(), 'retry', campaignId(id), opts);
      },
    );

  program
    .command('demo')
    .description(
      'the whole job on embedded defaults: 1,000 demo readers, the latest issue, sent into .numero/outbox',
    )
    .option('-n, --readers <n>', 'how many demo readers', '1000')
    .action(async (opts: { readers: string }) => {
      const { runDemo } = await import('./demo.ts');
      await runDemo(config(), Number(opts.readers));
    });
}
