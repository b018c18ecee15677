import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';

/** numero send / worker / campaigns / campaign: thin over campaign/, queue/ and workers/send.ts. */
export function registerSend(program: Command, config: () => Config): void {
  program
    .command('send')
    .description('send an issue to a list: check, render once, snapshot the audience, queue the batches')
    .argument('<file>', 'the issue')
    .requiredOption('-l, --list <name>', 'the list')
    .option('--at <iso-time>', 'send later, e.g. 2026-11-26T07:00:00+01:00')
    .option('--detach', 'return once queued; follow with numero campaigns')
    .option('--again', 'send an issue this list already got, as a new campaign')
    .action(async (file: string, opts: { list: string; at?: string; detach?: boolean; again?: boolean }) => {
      const { queueCampaign, followCampaign } = await import('./send-run.ts');
      const cfg = config();
      const at = opts.at ? new Date(opts.at) : null;
      if (at && Number.isNaN(at.getTime()))
        throw new NumeroError('USAGE', `--at: not a date and time: "${opts.at}"`);
      const queued = await queueCampaign(cfg, { file, list: opts.list, at, again: opts.again ?? false });
      try {
        if (!opts.detach) await followCampaign(queued.store, queued.campaign.id);
      } finally {
        await queued.close();
      }
    });

  program
    .command('worker')
    .description('run a send worker until SIGTERM (which lets in-flight messages finish)')
    .action(async () => {
      const { runWorker } = await import('./worker-run.ts');
      await runWorker(config());
    });

  program
    .command('campaigns')
    .description('recent campaigns with their progress')
    .action(async () => {
      const { printCampaigns } = await import('./send-run.ts');
      await printCampaigns(config());
    });

  program
    .command('campaign')
    .description('pause, resume, cancel a campaign, or retry its failed deliveries')
    .argument('<action>', 'pause | resume | cancel | retry')
    .argument('<id>', 'campaign id')
    .action(async (action: string, id: string) => {
      if (!['pause', 'resume', 'cancel', 'retry'].includes(action)) {
        throw new NumeroError('USAGE', `unknown action "${action}" (pause, resume, cancel, retry)`);
      }
      const { controlCampaign } = await import('./send-run.ts');
      await controlCampaign(config(), action as 'pause' | 'resume' | 'cancel' | 'retry', Number(id));
    });

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
