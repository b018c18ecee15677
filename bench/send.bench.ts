/**
 * npm run bench:send [N…]: sends one issue to N readers (default 10,000 and 100,000) through the full
 * pipeline — SQLite, `numero send`, BullMQ on a private redis-server, one `numero worker` process with
 * its pooled transport — into a loopback SMTP sink (own process) that discards, and, in the same
 * run, the same personalised messages, pre-built as raw MIME, through a bare pooled Nodemailer loop
 * (`sendMail({ envelope, raw })`: no queue, no database) as the baseline, and the raw-socket ceiling. Prints messages per second, their ratio, peak RSS of the worker and of
 * `numero send`, the enqueue time, and Redis' peak memory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { unsubscribeLinks } from '../src/audience/list-unsubscribe.ts';
import { prepareIssue } from '../src/check/check.ts';
import { loadContext } from '../src/content/load.ts';
import { Personalizer } from '../src/render/personalize.ts';
import { freePort, startRedisServer } from '../src/runtime/redis-server.ts';
import { buildMessage } from '../src/send/message.ts';
import { createList, insertMemberships, insertSubscribers } from '../src/store/audience.ts';
import { campaignById } from '../src/store/campaigns.ts';
import { openStore } from '../src/store/db.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const ISSUE = path.join(ROOT, 'issues/2025-10-02-numero-37.md');
const SECRET = 'b'.repeat(64);
const PUBLIC_URL = 'https://lettre.example.org';
const POOL = 5;
/** V8 flags for the worker process: the production ones (see Dockerfile); WORKER_FLAGS=' ' for Node's defaults. */
const WORKER_FLAGS = (process.env.WORKER_FLAGS ?? '--max-old-space-size=48 --max-semi-space-size=1')
  .split(' ')
  .filter(Boolean);

async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/sink.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `smtp://127.0.0.1:${port}`, child };
}

const peakRss = (stderr: string) => Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? 0) / 1024;

/**
 * The bare transport: the same personalised messages, built beforehand by numero's own message
 * builder (raw MIME, VERP, List-Unsubscribe), pushed through a pooled Nodemailer transport with
 * `sendMail({ envelope, raw })`, 5 connections, 50 in flight; no queue, no database. 1,000 distinct
 * messages are built and sent in turn, so memory stays flat at any size.
 */
async function bareLoop(n: number, smtpUrl: string): Promise<number> {
  const dirs = { issuesDir: path.join(ROOT, 'issues'), templatesDir: path.join(ROOT, 'templates') };
  const report = await prepareIssue(ISSUE, loadContext(dirs), { ...dirs, publicUrl: PUBLIC_URL });
  if (!report.compiled) throw new Error('issue did not render');
  const p = new Personalizer(report.compiled);
  const built = Array.from({ length: Math.min(n, 1000) }, (_, i) => {
    const links = unsubscribeLinks(
      { listId: 1, subscriberId: i + 1, campaignId: '1' },
      { secret: SECRET, publicUrl: PUBLIC_URL, mailtoDomain: 'lettre.example.org' },
    );
    const content = p.fill(
      { email: `lecteur${i}@example.org`, firstName: `Prénom${i}` },
      { unsubscribeUrl: links.url, browserUrl: `${PUBLIC_URL}/issues/x` },
    );
    return buildMessage({
      messageId: `<numero.c1.d${i}.bench@lettre.example.org>`,
      campaignId: '1',
      subscriberId: String(i + 1),
      listName: 'lecteurs',
      from: 'Bruxelles Korner <lettre@bruxelles-korner.example>',
      to: { name: `Prénom${i}`, address: `lecteur${i}@example.org` },
      content,
      unsubscribe: links,
      domain: 'lettre.example.org',
      bounceDomain: 'lettre.example.org',
    });
  });
  const u = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: Number(u.port),
    maxConnections: POOL,
    maxMessages: 100,
    ignoreTLS: true,
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) {
        const m = built[next++ % built.length];
        if (m) await transport.sendMail({ envelope: m.envelope, raw: m.raw });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  transport.close();
  return n / seconds;
}

/**
 * The machine's SMTP ceiling, measured against the same sink in the same run: pre-built copies of
 * one personalised message of this issue pushed over raw pipelined sockets by the shared
 * `smtp-ceiling.mjs` (next to the repository, as on the build machines). Null when it is absent.
 */
async function ceiling(n: number, smtpUrl: string): Promise<number | null> {
  const script = path.resolve(ROOT, '../shared/bench/smtp-ceiling.mjs');
  if (!fs.existsSync(script)) return null;
  const dirs = { issuesDir: path.join(ROOT, 'issues'), templatesDir: path.join(ROOT, 'templates') };
  const report = await prepareIssue(ISSUE, loadContext(dirs), { ...dirs, publicUrl: PUBLIC_URL });
  if (!report.compiled) throw new Error('issue did not render');
  const c = new Personalizer(report.compiled).fill(
    { email: 'lecteur1@example.org', firstName: 'Prénom1' },
    { unsubscribeUrl: `${PUBLIC_URL}/unsubscribe/x`, browserUrl: `${PUBLIC_URL}/issues/x` },
  );
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await stream.sendMail({
    from: 'Bruxelles Korner <lettre@bruxelles-korner.example>',
    to: 'lecteur1@example.org',
    subject: c.subject,
    html: c.html,
    text: c.text,
  });
  const eml = path.join(os.tmpdir(), `numero-ceiling-${process.pid}.eml`);
  fs.writeFileSync(eml, info.message as Buffer);
  try {
    const out = spawnSync(
      process.execPath,
      [
        script,
        '--url',
        smtpUrl,
        '--messages',
        String(Math.min(n, 50_000)),
        '--connections',
        String(POOL),
        '--eml',
        eml,
      ],
      { encoding: 'utf8' },
    );
    const m = /ceiling: ([\d.]+) msg\/s/.exec(out.stdout ?? '');
    return m ? Number(m[1]) : null;
  } finally {
    fs.rmSync(eml, { force: true });
  }
}

async function pipeline(n: number, smtpUrl: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-send-'));
  const redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: await freePort() });
  const env = {
    ...process.env,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: `sqlite:${path.join(dir, 'numero.db')}`,
    REDIS_URL: redis.url,
    SMTP_URL: smtpUrl,
    SMTP_POOL_SIZE: String(POOL),
    UNSUBSCRIBE_SECRET: SECRET,
    PUBLIC_URL,
    LOG_LEVEL: 'warn',
  };
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.NUMERO_DATA_DIR });
  const list = await createList(store.db, 'bench');
  for (let i = 0; i < n; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
      email: `lecteur${i + k}@example.org`,
      email_normalized: `lecteur${i + k}@example.org`,
      name: `Prénom${i + k} Nom`,
      attributes: '{}',
    }));
    const ids = await insertSubscribers(store.db, rows);
    await insertMemberships(
      store.db,
      ids.map((s) => ({ list_id: list.id, subscriber_id: s.id, status: 'active' as const, source: 'bench' })),
    );
  }
  const numero = [path.join(ROOT, 'bench/peak-rss.cjs'), path.join(ROOT, 'bin/numero.js')];
  const t0 = performance.now();
  const send = spawnSync(
    process.execPath,
    ['--require', ...numero, 'send', ISSUE, '--list', 'bench', '--detach'],
    { env, encoding: 'utf8' },
  );
  const enqueueSeconds = (performance.now() - t0) / 1000;
  if (send.status !== 0) throw new Error(`numero send failed: ${send.stderr}`);

  const worker = spawn(process.execPath, [...WORKER_FLAGS, '--require', ...numero, 'worker'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let workerErr = '';
  worker.stderr?.on('data', (d: Buffer) => {
    workerErr += d.toString();
  });
  for (;;) {
    const c = await campaignById(store.db, 1);
    if (c?.state === 'sent') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const span = await store.db
    .selectFrom('deliveries')
    .select([
      (eb) => eb.fn.min('sent_at').as('first'),
      (eb) => eb.fn.max('sent_at').as('last'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .where('status', '=', 'sent')
    .executeTakeFirstOrThrow();
  const r = new Redis(redis.url);
  const info = await r.info('memory');
  r.disconnect();
  worker.kill('SIGTERM');
  await new Promise((res) => worker.once('exit', res));
  await store.close();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  const seconds = (Date.parse(String(span.last)) - Date.parse(String(span.first))) / 1000;
  return {
    rate: Number(span.n) / Math.max(seconds, 0.001),
    enqueueSeconds,
    sendRss: peakRss(send.stderr),
    workerRss: peakRss(workerErr),
    redisPeak: /used_memory_peak_human:(\S+)/.exec(info)?.[1] ?? '?',
  };
}

const sizes = SIZES.length ? SIZES : [10_000, 100_000];
const sink = await startSink();
console.log(
  `numero send benchmark: node ${process.version}; ${os.cpus().length} cores; sink, Redis and SQLite on this machine; pool ${POOL}`,
);
console.log(
  '| readers | raw-socket ceiling | bare Nodemailer loop | full pipeline | pipeline / bare | pipeline / ceiling | `numero send` (enqueue) | peak RSS send | peak RSS worker | Redis peak |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const n of sizes) {
  const top = await ceiling(n, sink.url);
  const bare = await bareLoop(n, sink.url);
  const p = await pipeline(n, sink.url);
  const ceil = top === null ? 'n/a' : `${Math.round(top)} msg/s`;
  const ofCeil = top === null ? 'n/a' : `${Math.round((p.rate / top) * 100)} %`;
  console.log(
    `| ${n.toLocaleString('en-US')} | ${ceil} | ${Math.round(bare)} msg/s | ${Math.round(p.rate)} msg/s | ${Math.round((p.rate / bare) * 100)} % | ${ofCeil} | ${p.enqueueSeconds.toFixed(1)} s | ${p.sendRss.toFixed(0)} MB | ${p.workerRss.toFixed(0)} MB | ${p.redisPeak} |`,
  );
}
sink.child.kill('SIGTERM');
