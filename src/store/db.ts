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
 *
 * Kysely also prepares every query anew; a worker runs the same few statements thousands of times
 * (SQLite's parse and plan of the ledger's 100-row update cost 1.5 % of its CPU), so the last
 * STATEMENT_CACHE statements are kept by their SQL and reused, unless one is still being iterated.
 */
const STATEMENT_CACHE = 256;

function immediateTransactions(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    const sql = /^\s*begin\s*$/i.test(source) ? 'begin immediate' : source;
    const kept = statements.get(sql);
    if (kept && !kept.busy) {
      // Most recently used last: the first key is the one to drop.
      statements.delete(sql);
      statements.set(sql, kept);
      return kept;
    }
    const stmt = sqlite.prepare(sql);
    if (!kept) {
      statements.set(sql, stmt);
      if (statements.size > STATEMENT_CACHE) statements.delete(statements.keys().next().value as string);
    }
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
