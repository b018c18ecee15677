/**
 * npm run bench:clicks [--pg]: tracked-link redirects on `numero serve` (its own process, as the
 * README starts it), SQLite or PostgreSQL (DATABASE_URL_PG). Two phases, each 5,000 clicks by
 * distinct messages of a 20-link numéro (tracking clicks-per-reader):
 * 1. as fast as 10 clients can: redirect latency (p50, p99, at the client) and clicks per second,
 *    answered and recorded (first request → every row in the database);
 * 2. a numéro landing at once: 5,000 clicks spread over 10 seconds, then SIGTERM to `numero serve`
 *    right after the last answer; every click must be in the database (none lost).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageTrackingKey } from '../src/_shared/track-token.ts';
import { freePort, startRedisServer } from '../src/runtime/redis-server.ts';
import { createList } from '../src/store/audience.ts';
import { insertCampaign } from '../src/store/campaigns.ts';
import { openStore } from '../src/store/db.ts';
import { insertCampaignLinks } from '../src/store/engagement.ts';
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
  const click = async (delivery: number, latencies: number[]) => {
    const s = performance.now();
    const r = await fetch(url(delivery), { redirect: 'manual', headers: { 'user-agent': CHROME } });
    await r.body?.cancel();
    latencies.push(performance.now() - s);
    if (r.status !== 302) throw new Error(`click ${delivery}: ${r.status}`);
  };

  // Phase 1: as fast as the clients go.
  let serve = await startServe();
  for (let i = 0; i < 200; i++) await click(1_000_000 + i, []); // warm-up, not counted below
  while ((await count()) < 200) await new Promise((r) => setTimeout(r, 50));
  const fast: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) await click(next++, fast);
    }),
  );
  const answered = (performance.now() - t0) / 1000;
  while ((await count()) < 200 + N) await new Promise((r) => setTimeout(r, 20));
  const recorded = (performance.now() - t0) / 1000;
  fast.sort((a, b) => a - b);

  // Phase 2: 5,000 clicks over 10 s, then SIGTERM at once.
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
  const kept = (await count()) - 200 - N;
  burst.sort((a, b) => a - b);
  serve = await startServe();
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));

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
    `| ${N} clicks, ${CLIENTS} clients: redirect latency at the client | p50 **${pct(fast, 0.5).toFixed(2)} ms**, p99 **${pct(fast, 0.99).toFixed(2)} ms** |`,
  );
  console.log(
    `| … answered / recorded in the database | **${Math.round(N / answered)} clicks/s** / **${Math.round(N / recorded)} clicks/s** (all ${N} written ${(recorded - answered).toFixed(1)} s after the last answer) |`,
  );
  console.log(
    `| ${N} clicks over ${burstSeconds.toFixed(1)} s, then SIGTERM: recorded | **${kept} of ${N}**; latency p50 ${pct(burst, 0.5).toFixed(2)} ms, p99 ${pct(burst, 0.99).toFixed(2)} ms |`,
  );
  if (kept !== N) process.exitCode = 1;
}

await main();
