import type { Command } from 'commander';
import { type Config, requireUnsubscribeSecret } from '../config.ts';
import { parsePort } from './output.ts';

export function registerServe(program: Command, config: () => Config): void {
  program
    .command('serve')
    .description(
      'start the public server (unsubscribe, resubscribe, web version) with the ops dashboard, /metrics and health',
    )
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('-H, --host <host>', 'address to bind', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const cfg = config();
      const secret = requireUnsubscribeSecret(cfg);
      const port = parsePort(opts.port);
      const { createLogger } = await import('../_shared/log.ts');
      const { startServe } = await import('../server/serve.ts');
      const { openStore } = await import('../store/db.ts');
      const { resolveRedis } = await import('../runtime/redis-server.ts');
      const { untilStopped } = await import('../runtime/signals.ts');
      // Listening before the servers start: a SIGTERM right after they say so still stops them gracefully.
      const stopped = untilStopped();
      const log = createLogger('numero-serve', cfg.logLevel);
      const store = await openStore(cfg);
      // Unsubscribes never depend on Redis: without it, the queue view and readiness say why.
      const redis = await resolveRedis(cfg).catch((e: Error) => {
        log.warn({ err: e.message }, 'serve.redis_unavailable');
        return null;
      });
      const server = await startServe({
        config: cfg,
        store,
        secret,
        redis: redis ? { url: redis.url } : { error: 'Redis could not be started or reached; see the log' },
        port,
        host: opts.host,
        log,
      });
      // The bounce listener (and IMAP poller) run inside serve when INBOUND_SMTP_PORT is set.
      const { startInbound } = await import('../events/start.ts');
      const inbound = cfg.inbound.smtp ? await startInbound(cfg, store, log) : null;
      if (inbound) console.log(inbound.description);
      console.log(
        `numero serve on ${server.url}/ (database ${store.description}; PUBLIC_URL ${cfg.publicUrl}; ops ${cfg.opsToken ? `at ${server.url}/ops` : 'off: set OPS_TOKEN'})`,
      );
      await stopped;
      await inbound?.stop();
      await server.close();
      await store.close();
      await redis?.stop();
      process.exit(0);
    });
}
