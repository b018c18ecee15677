import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { NumeroError } from '../errors.ts';

/**
 * `numero store copy --to URL`: move everything to another database (SQLite to PostgreSQL when a
 * newsletter outgrows one machine, or back), keeping every reader's choice and every campaign's history.
 */
export function registerStore(program: Command, config: () => Config): void {
  const store = program.command('store').description('the database: copy it whole to another one');
  store
    .command('copy')
    .description(
      'copy every list, reader, status, suppression, event, campaign and delivery into an empty database',
    )
    .requiredOption('--to <url>', 'target: postgres://user@host/db, or sqlite:/path/to/numero.db')
    .action(async (opts: { to: string }) => {
      const cfg = config();
      const { openStore } = await import('../store/db.ts');
      const { copyStore } = await import('../store/copy.ts');
      const from = await openStore(cfg);
      try {
        const to = await openStore({ databaseUrl: opts.to, dataDir: cfg.dataDir });
        try {
          if (to.description === from.description)
            throw new NumeroError('USAGE', `--to ${to.description} is the database numero uses now`);
          console.log(`copying ${from.description} → ${to.description}`);
          const t0 = performance.now();
          await copyStore(from, to, (table, rows) => console.log(`  ${table.padEnd(13)} ${rows}`));
          console.log(
            `done in ${((performance.now() - t0) / 1000).toFixed(1)} s: set DATABASE_URL to the new database, then start numero again`,
          );
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
}
