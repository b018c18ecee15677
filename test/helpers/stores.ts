import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.ts';

/**
 * The databases the store tests run against: a real SQLite file always, and a real PostgreSQL when
 * DATABASE_URL_PG names a server where the user may create databases (`.ci/run` starts one).
 * Each store is a fresh database, dropped by `dispose`.
 */
export interface TestStore {
  store: Store;
  /** What DATABASE_URL would say to open it from another process. */
  url: string;
  dispose(): Promise<void>;
}

export const PG_URL = process.env.DATABASE_URL_PG;
export const BACKENDS: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!PG_URL) {
  console.warn(
    'DATABASE_URL_PG is unset: PostgreSQL store tests are skipped (SQLite ones run). .ci/run sets it.',
  );
}

/** A fresh database's URL for processes to open themselves: a SQLite file in `dir`, or a new PostgreSQL database. */
export async function testDatabaseUrl(
  backend: 'sqlite' | 'postgres',
  dir: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (backend === 'sqlite') return { url: `sqlite:${path.join(dir, 'numero.db')}`, drop: async () => {} };
  if (!PG_URL) throw new Error('DATABASE_URL_PG is unset');
  const name = `numero_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function freshStore(backend: 'sqlite' | 'postgres'): Promise<TestStore> {
  if (backend === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-db-'));
    const store = await openStore({ databaseUrl: undefined, dataDir: dir });
    return {
      store,
      url: `sqlite:${path.join(dir, 'numero.db')}`,
      dispose: async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await testDatabaseUrl('postgres', os.tmpdir());
  const store = await openStore({ databaseUrl: database.url, dataDir: os.tmpdir() });
  return {
    store,
    url: database.url,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
}
