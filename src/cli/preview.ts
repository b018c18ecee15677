import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { parsePort } from './output.ts';

export function registerPreview(program: Command, config: () => Config): void {
  program
    .command('preview')
    .description('start the editor’s preview: every issue rendered live in the browser, with test sends')
    .option('-p, --port <port>', 'port to listen on', '4173')
    .option('-H, --host <host>', 'address to bind (loopback unless you say otherwise)', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const cfg = config();
      const port = parsePort(opts.port);
      const { resolveSmtp } = await import('../runtime/smtp-target.ts');
      const { startPreview } = await import('../server/preview/start.ts');
      const smtp = await resolveSmtp(cfg);
      // Real subscribers join the reader selector when a subscriber store exists (none is created here).
      const hasStore = Boolean(cfg.databaseUrl) || fs.existsSync(path.join(cfg.dataDir, 'numero.db'));
      const store = hasStore ? await (await import('../store/db.ts')).openStore(cfg) : null;
      const { subscriberReaders } = await import('../server/preview/subscribers.ts');
      const server = await startPreview({
        workspace: cfg,
        smtp,
        port,
        host: opts.host,
        subscribers: store ? subscriberReaders(store) : undefined,
        hostnames: cfg.preview.hosts,
        testRecipients: cfg.preview.testRecipients,
        testSendsPerMinute: cfg.preview.testSendsPerMinute,
        // Test copies are built and signed as real sends are.
        sending: {
          secret: cfg.unsubscribeSecret ?? null,
          mailtoDomain: cfg.unsubscribeMailtoDomain,
          bounceDomain: cfg.send.bounceDomain,
          dkim: cfg.send.dkim,
        },
      });
      console.log(`numero preview on ${server.url}/ (watching ${cfg.issuesDir} and ${cfg.templatesDir})`);
      console.log(`test sends go to ${smtp.description}`);
      const stop = async () => {
        await server.close();
        await smtp.close();
        await store?.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
