import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  SqliteDialect,
} from 'kysely';
import { NumeroError } from '../errors.ts';
import { type Dialect, migrations } from './migrations.ts';
import type { Database } from './schema.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Safe to print: no password. */
  description: string;
  close(): Promise<void>;
}

/**
 * Opens the database and brings its schema up to date. `DATABASE_URL` unset means SQLite in
 * `dataDir/numero.db`; `postgres://…` means PostgreSQL, for senders on several machines.
 */
export async function openStore(opts: { databaseUrl?: string | undefined; dataDir: string }): Promise<Store> {
  const url = opts.databaseUrl;
  let store: Store;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    // Loaded only for PostgreSQL: a SQLite process (most workers on one machine) keeps 2.6 MB less heap.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client can be cut by the server (restart, admin command); pg reports it on the pool and
    // an unhandled 'error' would end the process. The pool drops that client; the next query reconnects.
    pool.on('error', () => {});
    // A client in use (inside a query or transaction) reports a dropped connection on itself; with no
    // listener that 'error' would end the process. The query in flight fails, which the caller handles.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(url);
    store = {
      db,
      dialect: 'postgres',
      description: `postgres://${u.host}${u.pathname}`,
      close: () => db.destroy(),
    };
  } else {
    const file = url ? url.replace(/^(sqlite|file):(\/\/)?/, '') : path.join(opts.dataDir, 'numero.db');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL lets readers and one writer work at once; FULL sync makes a committed unsubscribe survive a power cut.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // Several numero processes share the file: a writer waits its turn (up to a minute) instead of
    // failing with "database is locked".
    sqlite.pragma('busy_timeout = 60000');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: immediateTransactions(sqlite) }),
    });
    store = { db, dialect: 'sqlite', description: `sqlite:${file}`, close: () => db.destroy() };
  }
  await migrate(store);
  return store;
}

async function migrate(store: Store): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: async (): Promise<Record<string, Migration>> => migrations(store.dialect),
  };
  const { error, results } = await new Migrator({ db: store.db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    await store.close();
    throw new NumeroError(
      'CONFIG_INVALID',
      `database migration ${failed} failed on ${store.description}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Kysely opens SQLite transactions with a plain (deferred) BEGIN: a transaction that reads first and
 * writes later then asks for the write lock while another process holds it, and SQLite answers
 * SQLITE_BUSY at once, without waiting, since waiting could deadlock. BEGIN IMMEDIATE takes the
 * write lock at the start, where the busy timeout applies: writers queue up instead of failing.
 */
function immediateTransactions(sqlite: SQLite.Database): SQLite.Database {
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (source: string) => target.prepare(/^\s*begin\s*$/i.test(source) ? 'begin immediate' : source);
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
