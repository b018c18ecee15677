import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';

/**
 * `numero doctor`: can this configuration send? The database answers, Redis answers, and the SMTP
 * relay accepts a connection and our credentials, each with what it said. Exit 1 when one fails.
 */
export function registerDoctor(program: Command, config: () => Config): void {
  program
    .command('doctor')
    .description('check the database, Redis and the SMTP relay (connect, EHLO, AUTH) with this configuration')
    .action(async () => {
      const cfg = config();
      const { openStore } = await import('../store/db.ts');
      const { storeProbe, redisProbe } = await import('../server/health.ts');
      const { verifyRelay } = await import('../send/transport.ts');
      const checks: Array<{ name: string; run: () => Promise<string> }> = [
        {
          name: 'database',
          run: async () => {
            const store = await openStore(cfg);
            try {
              await storeProbe(store).check();
              return store.description;
            } finally {
              await store.close();
            }
          },
        },
        {
          name: 'redis',
          run: async () => {
            if (!cfg.redisUrl) return 'REDIS_URL unset: a private redis-server is started when needed';
            const probe = redisProbe(cfg.redisUrl);
            try {
              for (let i = 0; ; i++) {
                try {
                  await probe.check();
                  return new URL(cfg.redisUrl).host;
                } catch (e) {
                  if (i >= 3) throw e; // the probe connects lazily: give it a moment
                  await new Promise((r) => setTimeout(r, 500));
                }
              }
            } finally {
              probe.close();
            }
          },
        },
        {
          name: 'smtp relay',
          run: async () => {
            if (!cfg.smtpUrl) return 'SMTP_URL unset: mail goes to the built-in capture';
            await verifyRelay(cfg.smtpUrl);
            const u = new URL(cfg.smtpUrl);
            return `${u.protocol}//${u.host}: connected${u.username ? ', authenticated' : ''}`;
          },
        },
      ];
      const { preflight } = await import('../send/preflight.ts');
      const { loadNewsletter } = await import('../content/data.ts');
      const pf = preflight(cfg, loadNewsletter(cfg.issuesDir));
      checks.push({
        name: 'sending configuration',
        run: async () => {
          for (const w of pf.warnings) console.log(`warn  ${w}`);
          if (pf.errors.length) throw new Error(pf.errors.join(' '));
          return cfg.smtpUrl ? 'fit for a real relay' : 'SMTP_URL unset: nothing to check';
        },
      });
      let failed = 0;
      for (const c of checks) {
        try {
          console.log(`ok    ${c.name}: ${await c.run()}`);
        } catch (e) {
          failed++;
          console.log(`FAIL  ${c.name}: ${(e as Error).message}`);
        }
      }
      if (failed) throw new NumeroError('CONFIG_INVALID', `${failed} check(s) failed`);
    });
}
