/**
 * npm run bench:archive [N]: the public archive with N sent numéros (default 500): `/archive`,
 * `/feed.xml`, `/feed.json` and a web version (`/issues/SLUG`), each asked 200 times by 10 clients at
 * once of a `numero serve` in its own process (SQLite), after one warm-up request each. Prints p50 and
 * p99 latency and requests per second.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContext } from '../src/content/load.ts';
import { prepareIssue, requireReady } from '../src/render/prepare.ts';
import { freePort } from '../src/runtime/redis-server.ts';
import { createList } from '../src/store/audience.ts';
import { insertCampaign } from '../src/store/campaigns.ts';
import { openStore } from '../src/store/db.ts';
import { updateListSettings } from '../src/store/list-settings.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 500);
const REQUESTS = 200;
const CLIENTS = 10;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-archive-'));
  const port = await freePort();
  const env = {
    ...process.env,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: `sqlite://${path.join(dir, 'numero.db')}`,
    UNSUBSCRIBE_SECRET: 'b'.repeat(64),
    PUBLIC_URL: 'https://lettre.example.org',
    LOG_LEVEL: 'warn',
    REDIS_URL: 'redis://127.0.0.1:1',
  };
  const dirs = { issuesDir: path.join(ROOT, 'issues'), templatesDir: path.join(ROOT, 'templates') };
  const ready = requireReady(
    await prepareIssue(path.join(dirs.issuesDir, '2025-10-02-numero-37.md'), loadContext(dirs), {
      ...dirs,
      publicUrl: env.PUBLIC_URL,
    }),
  );
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.NUMERO_DATA_DIR });
  const list = await createList(store.db, 'lecteurs');
  await updateListSettings(store.db, list.id, { public: true });
  for (let i = 0; i < N; i++) {
    const slug = `numero-${String(i).padStart(4, '0')}`;
    const id = await insertCampaign(store.db, {
      issue_file: `issues/${slug}.md`,
      issue_slug: slug,
      content_hash: String(i),
      list_id: list.id,
      subject: `${ready.compiled.subject} (${i})`,
      state: 'draft',
      compiled: JSON.stringify({ ...ready.compiled, slug, preheader: `${ready.compiled.preheader} ${i}` }),
      batch_size: 100,
      provider: 'default',
      scheduled_at: null,
      message_key: null,
    });
    await store.db.updateTable('campaigns').set({ state: 'sent' }).where('id', '=', id).execute();
  }
  await store.close();
  const serve = spawn(process.execPath, [path.join(ROOT, 'bin/numero.js'), 'serve', '--port', String(port)], {
    env,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      await (await fetch(`${base}/healthz`)).body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const rows: string[] = [];
  for (const p of ['/archive', '/feed.xml', '/feed.json', '/issues/numero-0250']) {
    const first = performance.now();
    const warm = await fetch(base + p);
    const bytes = (await warm.arrayBuffer()).byteLength;
    const firstMs = performance.now() - first;
    const times: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next++ < REQUESTS) {
          const s = performance.now();
          const r = await fetch(base + p);
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
          times.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    times.sort((a, b) => a - b);
    const q = (x: number) =>
      (times[Math.min(times.length - 1, Math.floor(times.length * x))] ?? 0).toFixed(1);
    rows.push(
      `| \`${p}\` | ${Math.round(bytes / 1024)} KB | ${firstMs.toFixed(0)} ms | ${q(0.5)} ms | ${q(0.99)} ms | ${Math.round(REQUESTS / seconds)} |`,
    );
  }
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `numero archive benchmark: node ${process.version}; ${os.cpus().length} cores; SQLite; ${N} sent numéros; ${REQUESTS} requests, ${CLIENTS} at once`,
  );
  console.log('| page | size | first request | p50 | p99 | requests/s |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
