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
      const newsletter = loadNewsletter(cfg.issuesDir);
      const pf = preflight(cfg, newsletter);
      // (DNS findings are advice: what to publish; they never fail doctor, DNS may differ from here.)
      checks.push({
        name: 'sending configuration',
        run: async () => {
          for (const w of pf.warnings) console.log(`warn  ${w}`);
          if (pf.errors.length) throw new Error(pf.errors.join(' '));
          return cfg.smtpUrl ? 'fit for a real relay' : 'SMTP_URL unset: nothing to check';
        },
      });
      const { checkDns } = await import('../send/dns-check.ts');
      const { mailDomainOf } = await import('../send/message.ts');
      const { Resolver } = await import('node:dns/promises');
      const fromDomain = mailDomainOf(newsletter.from);
      const dnsChecks = async () => {
        const resolver = new Resolver({ timeout: 3_000, tries: 1 });
        if (cfg.dnsServers.length) resolver.setServers([...cfg.dnsServers]);
        if (!fromDomain) return ['skip  dns: the From address has no domain'];
        try {
          const findings = await checkDns((n) => resolver.resolveTxt(n), { fromDomain, dkim: cfg.send.dkim });
          return findings.map((f) => `${f.ok ? 'ok   ' : 'WARN '} ${f.what}: ${f.message}`);
        } catch (e) {
          return [`skip  dns: DNS is not reachable from here (${(e as Error).message}); nothing checked`];
        }
      };
      let failed = 0;
      for (const c of checks) {
        try {
          console.log(`ok    ${c.name}: ${await c.run()}`);
        } catch (e) {
          failed++;
          console.log(`FAIL  ${c.name}: ${(e as Error).message}`);
        }
      }
      for (const line of await dnsChecks()) console.log(line);
      if (failed) throw new NumeroError('CONFIG_INVALID', `${failed} check(s) failed`);
    });
}
