import type { Command } from 'commander';
import { type Config, requireUnsubscribeSecret } from '../config.ts';
import { parsePort } from './output.ts';

export function registerServe(program: Command, config: () => Config): void {
  program
    .command('serve')
    .description('start the public server: one-click unsubscribe, resubscribe, web version of issues')
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('-H, --host <host>', 'address to bind', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const cfg = config();
      const secret = requireUnsubscribeSecret(cfg);
      const port = parsePort(opts.port);
      const { listen } = await import('../server/listen.ts');
      const { publicApp } = await import('../server/public/app.ts');
      const { openStore } = await import('../store/db.ts');
      const store = await openStore(cfg);
      const server = await listen(
        publicApp({
          store,
          secret,
          defaultLang: 'fr',
          rateLimitPerMinute: cfg.unsubscribeRateLimit,
          workspace: cfg,
        }),
        port,
        opts.host,
      );
      console.log(
        `numero serve on ${server.url}/ (database ${store.description}; PUBLIC_URL ${cfg.publicUrl})`,
      );
      const stop = async () => {
        await server.close();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
