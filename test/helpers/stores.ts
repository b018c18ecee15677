import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/db.ts';
import { scratchDatabase } from './scratch-database.ts';

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
export function testDatabaseUrl(
  backend: 'sqlite' | 'postgres',
  dir: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  return scratchDatabase(backend, { dir, pgUrl: PG_URL, prefix: 'numero_test' });
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
