/**
 * npm run bench:clicks [--pg]: tracked-link redirects on `numero serve` (its own process, as the
 * README starts it), SQLite or PostgreSQL (DATABASE_URL_PG), a 20-link numéro with tracking
 * clicks-per-reader, every click by a distinct message:
 * 1. latency: 2,000 clicks one after the other (one reader at a time): p50 and p99 at the client;
 * 2. throughput: 5,000 clicks by 10 clients as fast as they go: clicks per second answered, and when
 *    the last one is in the database (held 2 s for the scanner check, then written);
 * 3. a numéro landing at once: 5,000 clicks spread over 10 seconds, then SIGTERM to `numero serve`
 *    right after the last answer; every click must be in the database (none lost);
 * 4. the store's own pace: the recorder's batch insert (insertEngagement), 20,000 rows in batches of
 *    500, rows per second.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageTrackingKey } from '../src/_shared/track-token.ts';
import { freePort, startRedisServer } from '../src/runtime/redis-server.ts';
import { createList } from '../src/store/audience.ts';
import { insertCampaign } from '../src/store/campaigns.ts';
import { openStore } from '../src/store/db.ts';
import { insertCampaignLinks, insertEngagement } from '../src/store/engagement.ts';
import { scratchDatabase } from '../test/helpers/scratch-database.ts';
import { pct, waitForHttp } from './http.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PG = process.argv.includes('--pg');
const N = 5_000;
const LINKS = 20;
const CLIENTS = 10;
const SECRET = 'b'.repeat(64);
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function get(url: string, agent: http.Agent): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const q = http.get(url, { agent, headers: { 'user-agent': CHROME } }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode));
    });
    q.on('error', reject);
  });
}

/**
 * The machine's own floor for phase 1: the same client against a bare Node server that answers 302
 * and does nothing else (own process), 2,000 requests one after the other.
 */
async function floor(): Promise<number[]> {
  const server = spawn(
    process.execPath,
    [
      '-e',
      "require('node:http').createServer((q, s) => { s.writeHead(302, { location: 'https://kz.example/' }); s.end(); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); })",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((r) =>
    server.stdout?.once('data', (d) => r(Number(String(d).trim()))),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  for (let i = 0; i < 2_200; i++) {
    const s = performance.now();
    await get(`http://127.0.0.1:${port}/r/x`, agent);
    if (i >= 200) out.push(performance.now() - s);
  }
  agent.destroy();
  server.kill();
  return out.sort((a, b) => a - b);
}

async function main() {
  if (PG && !process.env.DATABASE_URL_PG) {
    console.log('numero click benchmark on PostgreSQL: skipped (set DATABASE_URL_PG)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-clicks-'));
  const redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: await freePort() });
  const database = await scratchDatabase(PG ? 'postgres' : 'sqlite', {
    dir,
    pgUrl: process.env.DATABASE_URL_PG,
    prefix: 'numero_bench',
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    UNSUBSCRIBE_SECRET: SECRET,
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
  };
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.NUMERO_DATA_DIR });
  const list = await createList(store.db, 'lecteurs');
  const campaignId = await insertCampaign(store.db, {
    issue_file: 'bench.md',
    issue_slug: 'bench',
    content_hash: 'h',
    list_id: list.id,
    subject: 'Bench',
    state: 'sent',
    compiled: '{}',
    batch_size: 100,
    provider: 'default',
    scheduled_at: null,
    message_key: 'bench',
    tracking: 'clicks-per-reader',
  });
  await insertCampaignLinks(
    store.db,
    campaignId,
    Array.from({ length: LINKS }, (_, i) => ({
      position: i + 1,
      url: `https://kz.example/articles/${i + 1}`,
      text: `Article ${i + 1}`,
    })),
  );
  const c = campaignId.toString(36);
  const url = (delivery: number) =>
    `${base}/r/${c}.${((delivery % LINKS) + 1).toString(36)}.${messageTrackingKey(SECRET, campaignId, delivery)}`;
  const count = async () =>
    Number(
      (
        await store.db
          .selectFrom('clicks')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );

  const bin = path.join(ROOT, 'bin/numero.js');
  const startServe = async () => {
    const serve = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, stdio: 'ignore' });
    await waitForHttp(`${base}/healthz`);
    return serve;
  };
  // node:http with kept-alive connections: undici's fetch adds about 2 ms to the 99th percentile here.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const click = async (delivery: number, latencies: number[]) => {
    const s = performance.now();
    const status = await get(url(delivery), agent);
    latencies.push(performance.now() - s);
    if (status !== 302) throw new Error(`click ${delivery}: ${status}`);
  };

  let serve = await startServe();
  for (let i = 0; i < 200; i++) await click(1_000_000 + i, []); // warm-up, not counted below
  // Phase 1: one click at a time, beside the machine's floor for the same client.
  const bare = await floor();
  const one: number[] = [];
  for (let i = 0; i < 2_000; i++) await click(2_000_000 + i, one);
  one.sort((a, b) => a - b);
  while ((await count()) < 2_200) await new Promise((r) => setTimeout(r, 50));
  // Phase 2: as fast as the clients go.
  const fast: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) await click(next++, fast);
    }),
  );
  const answered = (performance.now() - t0) / 1000;
  while ((await count()) < 2_200 + N) await new Promise((r) => setTimeout(r, 20));
  const recorded = (performance.now() - t0) / 1000;
  fast.sort((a, b) => a - b);

  // Phase 3: 5,000 clicks over 10 s, then SIGTERM at once.
  const burst: number[] = [];
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 10_000) / N));
      await click(N + i, burst);
    }),
  );
  const burstSeconds = (performance.now() - t1) / 1000;
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
  agent.destroy();
  const kept = (await count()) - 2_200 - N;
  burst.sort((a, b) => a - b);
  serve = await startServe();
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));

  // Phase 4: the batch insert alone, in this process.
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    campaign_id: campaignId,
    position: (i % LINKS) + 1,
    at: new Date().toISOString(),
    machine: 0,
    why: null,
    message_key: `r${(3_000_000 + i).toString(36)}`,
    delivery_id: 3_000_000 + i,
  }));
  const t2 = performance.now();
  for (let i = 0; i < rows.length; i += 500) await insertEngagement(store.db, rows.slice(i, i + 500), []);
  const insertRate = rows.length / ((performance.now() - t2) / 1000);

  await store.close();
  await redis.stop();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `numero click benchmark: node ${process.version}; ${os.cpus().length} cores; ${PG ? 'PostgreSQL' : 'SQLite'}; \`numero serve\` in its own process; ${LINKS}-link numéro, clicks-per-reader`,
  );
  console.log('| measure | result |');
  console.log('|---|---|');
  console.log(
    `| 2000 clicks one after the other: redirect latency at the client | p50 **${pct(one, 0.5).toFixed(2)} ms**, p99 **${pct(one, 0.99).toFixed(2)} ms** (the same client against a bare Node server answering 302: p50 ${pct(bare, 0.5).toFixed(2)} ms, p99 ${pct(bare, 0.99).toFixed(2)} ms) |`,
  );
  console.log(
    `| ${N} clicks, ${CLIENTS} clients at once: answered | **${Math.round(N / answered)} clicks/s** (latency p50 ${pct(fast, 0.5).toFixed(2)} ms, p99 ${pct(fast, 0.99).toFixed(2)} ms, queueing included); all in the database ${(recorded - answered).toFixed(1)} s after the last answer |`,
  );
  console.log(
    `| ${N} clicks over ${burstSeconds.toFixed(1)} s, then SIGTERM: recorded | **${kept} of ${N}**; latency p50 ${pct(burst, 0.5).toFixed(2)} ms, p99 ${pct(burst, 0.99).toFixed(2)} ms |`,
  );
  console.log(
    `| the recorder's batch insert alone (20,000 rows, 500 a transaction) | **${Math.round(insertRate)} rows/s** |`,
  );
  if (kept !== N) process.exitCode = 1;
}

await main();
