import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/**
 * A fresh, empty database for one test or benchmark run, as the URL a process would be given in
 * DATABASE_URL: a SQLite file in `dir`, or a new database on the PostgreSQL server `pgUrl` (whose
 * user may create databases), dropped by `drop`.
 */
export async function scratchDatabase(
  backend: 'sqlite' | 'postgres',
  o: { dir: string; pgUrl: string | undefined; prefix: string },
): Promise<{ url: string; drop(): Promise<void> }> {
  if (backend === 'sqlite') return { url: `sqlite:${path.join(o.dir, 'numero.db')}`, drop: async () => {} };
  const server = o.pgUrl;
  if (!server)
    throw new Error('DATABASE_URL_PG is unset (a PostgreSQL server where the user may create databases)');
  const name = `${o.prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
