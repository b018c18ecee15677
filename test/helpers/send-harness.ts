import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/_shared/log.ts';
import { isOutage } from '../../src/_shared/outage.ts';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { loadNewsletter } from '../../src/content/data.ts';
import { freePort, type RedisServer, startRedisServer } from '../../src/runtime/redis-server.ts';
import { type SendWorker, startSendWorker } from '../../src/send/worker.ts';
import { createList, insertMemberships, insertSubscribers } from '../../src/store/audience.ts';
import { campaignById } from '../../src/store/campaigns.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import type { CampaignState } from '../../src/store/schema.ts';
import { ISSUES_DIR, ROOT, TEMPLATES_DIR } from './fixtures.ts';
import { type SinkOptions, type SmtpSink, startSmtpSink } from './smtp-sink.ts';
import { testDatabaseUrl } from './stores.ts';

export const SECRET = 'k'.repeat(48);
export const ISSUE = path.join(ISSUES_DIR, '2025-10-02-numero-37.md');

/**
 * Everything a send test needs, real and private to the test: a SQLite file, a redis-server and an
 * SMTP sink on free loopback ports, a list of readers. Workers run in this process (startWorker) or
 * as `numero worker` child processes (spawnWorker). `dispose` stops all of it.
 */
export interface Harness {
  dir: string;
  env: Record<string, string>;
  config: Config;
  store: Store;
  redis: RedisServer;
  redisPort: number;
  sink: SmtpSink;
  listId: number;
  readers: Array<{ id: number; email: string; name: string }>;
  startWorker(overrides?: Record<string, string>): Promise<SendWorker>;
  spawnWorker(overrides?: Record<string, string>): ChildProcess;
  restartRedis(): Promise<void>;
  waitForState(campaignId: number, states: CampaignState[], timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function createHarness(o: {
  readers: number;
  /** The ledger's database: a SQLite file (default), or a fresh PostgreSQL database on DATABASE_URL_PG. */
  backend?: 'sqlite' | 'postgres';
  sink?: SinkOptions;
  env?: Record<string, string>;
  /** The domain of reader n (1-based); example.org by default. */
  domainOf?: (n: number) => string;
}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-send-'));
  const database = await testDatabaseUrl(o.backend ?? 'sqlite', dir);
  const sink = await startSmtpSink(o.sink);
  const redisPort = await freePort();
  let redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: redisPort, appendonly: false });
  const env: Record<string, string> = {
    PUBLIC_URL: 'https://lettre.example.org',
    NUMERO_ISSUES_DIR: ISSUES_DIR,
    NUMERO_TEMPLATES_DIR: TEMPLATES_DIR,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    SMTP_URL: sink.url,
    UNSUBSCRIBE_SECRET: SECRET,
    UNSUBSCRIBE_MAILTO_DOMAIN: 'lettre.example.org',
    BATCH_SIZE: '50',
    SEND_RETRY_BASE_MS: '100',
    SEND_THROTTLE_WAIT_MS: '300',
    RECONCILE_INTERVAL_MS: '250',
    LOG_LEVEL: 'silent',
    ...o.env,
  };
  const config = loadConfig(env);
  const store = await openStore(config);
  const listId = (await createList(store.db, 'lecteurs')).id;
  const readers: Harness['readers'] = [];
  const BATCH = 500;
  for (let i = 0; i < o.readers; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, o.readers - i) }, (_, k) => {
      const n = i + k + 1;
      const domain = o.domainOf?.(n) ?? 'example.org';
      return {
        email: `lecteur${n}@${domain}`,
        email_normalized: `lecteur${n}@${domain}`,
        name: `Prénom${n} Nom${n}`,
        attributes: JSON.stringify({ city: 'Almaty' }),
      };
    });
    const ids = await insertSubscribers(store.db, rows);
    await insertMemberships(
      store.db,
      ids.map((s) => ({ list_id: listId, subscriber_id: s.id, status: 'active' as const, source: 'test' })),
    );
    for (const [k, s] of ids.entries())
      readers.push({ id: s.id, email: rows[k]?.email ?? '', name: rows[k]?.name ?? '' });
  }

  const workers: SendWorker[] = [];
  const children: ChildProcess[] = [];
  const h: Harness = {
    dir,
    env,
    config,
    store,
    get redis() {
      return redis;
    },
    redisPort,
    sink,
    listId,
    readers,
    async startWorker(overrides = {}) {
      const cfg = loadConfig({ ...env, ...overrides });
      const w = await startSendWorker({
        config: cfg,
        store,
        redisUrl: redis.url,
        smtpUrl: cfg.smtpUrl ?? sink.url,
        newsletter: loadNewsletter(ISSUES_DIR),
        secret: SECRET,
        log: createLogger('test-worker', 'silent'),
      });
      workers.push(w);
      return w;
    },
    spawnWorker(overrides = {}) {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/numero.js'), 'worker'], {
        env: { ...process.env, ...env, ...overrides },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.resume();
      children.push(child);
      return child;
    },
    async restartRedis() {
      await redis.stop();
      redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: redisPort, appendonly: false });
    },
    async waitForState(campaignId, states, timeoutMs = 60_000) {
      // Fails only when nothing moves for timeoutMs (no delivery changed, the state stayed): a loaded
      // machine sending slowly is still sending, and the test waits for it (the test's own timeout
      // bounds the whole).
      let deadline = Date.now() + timeoutMs;
      let seen = '';
      for (;;) {
        // The database may be restarting on purpose (outage tests): keep asking.
        const c = await campaignById(store.db, campaignId).catch((e: unknown) => {
          if (isOutage(e)) return undefined;
          throw e;
        });
        if (c && states.includes(c.state)) return;
        const counts = await deliveryCounts(store.db, campaignId).catch(() => null);
        const now = `${c?.state} ${JSON.stringify(counts)}`;
        if (now !== seen) {
          seen = now;
          deadline = Date.now() + timeoutMs;
        } else if (Date.now() > deadline) {
          throw new Error(`campaign ${campaignId} has not moved for ${timeoutMs} ms: ${now}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async dispose() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      for (const w of workers) await w.close().catch(() => {});
      await store.close();
      await database.drop();
      await sink.close();
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Messages the sink accepted, counted per recipient. */
export function receivedPerReader(sink: SmtpSink): Map<string, number> {
  const m = new Map<string, number>();
  for (const msg of sink.messages) for (const to of msg.envelope.to) m.set(to, (m.get(to) ?? 0) + 1);
  return m;
}

/** Copies beyond the first, all readers together. */
export function duplicates(per: Map<string, number>): number {
  return [...per.values()].reduce((a, n) => a + (n - 1), 0);
}

/** `numero send` of numéro 37 to the harness's list, as the CLI does it (a new campaign with `again`). */
export function sendIssue(harness: Harness, again = false) {
  return queueCampaign(harness.config, {
    file: path.relative(process.cwd(), ISSUE),
    list: 'lecteurs',
    at: null,
    again,
  });
}
