/**
 * npm run bench:signup [N]: N signups (default 5,000, each a new address) posted to `numero serve`
 * (its own process, SQLite, as the README starts it) by 50 clients at once, then the N confirmation
 * messages sent by one `numero worker` (its own process) into the loopback sink of bench/sink.mjs.
 * Prints signup POSTs per second (with p50/p99 latency) and confirmation mails per second.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, startRedisServer } from '../src/runtime/redis-server.ts';
import { createList } from '../src/store/audience.ts';
import { openStore } from '../src/store/db.ts';
import { updateListSettings } from '../src/store/list-settings.ts';
import { pct, waitForHttp } from './http.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 5000);
const CLIENTS = 50;

async function sink(): Promise<{
  url: string;
  child: ChildProcess;
  stats(): Promise<[number, number, number]>;
}> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/sink.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(l: string) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const port = await next();
  return {
    url: `smtp://127.0.0.1:${port}`,
    child,
    async stats() {
      const a = next();
      child.stdin?.write('stats\n');
      const [, n, first, last] = (await a).split(' ').map(Number);
      return [n ?? 0, first ?? 0, last ?? 0];
    },
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-signup-'));
  const redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: await freePort() });
  const smtp = await sink();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: `sqlite://${path.join(dir, 'numero.db')}`,
    REDIS_URL: redis.url,
    SMTP_URL: smtp.url,
    UNSUBSCRIBE_SECRET: 'b'.repeat(64),
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    // One client posts them all: the per-client limits are not what is measured.
    UNSUBSCRIBE_RATE_LIMIT: '10000000',
    SIGNUP_IP_LIMIT: '10000000',
  };
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.NUMERO_DATA_DIR });
  const list = await createList(store.db, 'lecteurs');
  await updateListSettings(store.db, list.id, { public: true, optin: 'double' });
  const bin = path.join(ROOT, 'bin/numero.js');
  const serve = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, stdio: 'ignore' });
  await waitForHttp(`${base}/healthz`);

  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) {
        const i = next++;
        const s = performance.now();
        const r = await fetch(`${base}/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `email=lectrice${i}%40example.org&name=L%C3%A9a&list=lecteurs`,
        });
        await r.text();
        if (r.status !== 200) failed++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const postSeconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);

  const workerStart = Date.now();
  const worker = spawn(process.execPath, [bin, 'worker'], { env, stdio: 'ignore' });
  for (;;) {
    const [n] = await smtp.stats();
    if (n >= N) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const [count, first, last] = await smtp.stats();
  worker.kill('SIGTERM');
  serve.kill('SIGTERM');
  await Promise.all([worker, serve].map((c) => new Promise((r) => c.once('exit', r))));
  smtp.child.kill('SIGTERM');
  await store.close();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(
    `numero signup benchmark: node ${process.version}; ${os.cpus().length} cores; SQLite; ${N} new addresses, ${CLIENTS} clients`,
  );
  console.log('| measure | result |');
  console.log('|---|---|');
  console.log(
    `| signup POSTs (\`numero serve\`, double opt-in: checks, limits, stored, job queued) | **${Math.round(N / postSeconds)} /s**, p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms${failed ? `, ${failed} not 200` : ''} |`,
  );
  console.log(
    `| confirmation mails (\`numero worker\`, first → last acceptance at the sink) | **${Math.round((count - 1) / ((last - first) / 1000))} /s** (${count} sent; ${((last - workerStart) / 1000).toFixed(1)} s from the worker's launch) |`,
  );
}

await main();
