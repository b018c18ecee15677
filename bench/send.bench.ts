/**
 * npm run bench:send [N…] [--pg] [--dkim] [--workers K]: sends one issue to N readers through the
 * full pipeline — `numero send`, BullMQ on a private redis-server, SQLite or PostgreSQL
 * (DATABASE_URL_PG), K `numero worker` processes run as docker-compose.yml runs them — into a
 * loopback SMTP sink (own process) that discards; and, in the same run against the same sink, the
 * two limits: the same personalised messages pre-built as raw MIME through a bare pooled Nodemailer
 * loop (`sendMail({ envelope, raw })`: no queue, no database), and the raw-socket ceiling of
 * ../shared/bench/smtp-ceiling.mjs. Without N it runs the standard rows (see variants()). Prints the
 * rates and their ratios, `numero send`'s time and peak RSS, each worker's CPU share and RSS while
 * sending (sampled from /proc), and Redis' peak memory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { unsubscribeLinks } from '../src/audience/list-unsubscribe.ts';
import { loadContext } from '../src/content/load.ts';
import { prepareIssue } from '../src/render/prepare.ts';
import { freePort, startRedisServer } from '../src/runtime/redis-server.ts';
import { buildMessage } from '../src/send/message.ts';
import { PreparedIssue } from '../src/send/prepared.ts';
import { DKIM_HEADERS } from '../src/send/transport.ts';
import { createList, insertMemberships, insertSubscribers } from '../src/store/audience.ts';
import { openStore } from '../src/store/db.ts';
import { scratchDatabase } from '../test/helpers/scratch-database.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ISSUE = path.join(ROOT, 'issues/2025-10-02-numero-37.md');
const SECRET = 'b'.repeat(64);
const PUBLIC_URL = 'https://lettre.example.org';
const POOL = 5;
/**
 * Node flags added in front of `bin/numero.js worker`: none by default, so the worker starts exactly
 * as the README and docker-compose.yml start it (numero sets its own V8 limits, see bin/numero.js);
 * e.g. WORKER_FLAGS='--cpu-prof' to profile it.
 */
const WORKER_FLAGS = (process.env.WORKER_FLAGS ?? '').split(' ').filter(Boolean);

interface Sink {
  url: string;
  child: ChildProcess;
  /** Sends a command to the sink and resolves with its one-line answer. */
  ask(command: 'reset' | 'stats'): Promise<string>;
}

async function startSink(): Promise<Sink> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/sink.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const port = await next();
  return {
    url: `smtp://127.0.0.1:${port}`,
    child,
    ask(command) {
      const answer = next();
      child.stdin?.write(`${command}\n`);
      return answer;
    },
  };
}

const peakRss = (stderr: string) => Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? 0) / 1024;

/**
 * `count` readers' messages of the issue, personalised and built by numero's own builder (raw MIME,
 * quoted-printable parts, VERP, List-Unsubscribe), as the workers build them.
 */
async function personalisedMessages(count: number) {
  const dirs = { issuesDir: path.join(ROOT, 'issues'), templatesDir: path.join(ROOT, 'templates') };
  const report = await prepareIssue(ISSUE, loadContext(dirs), { ...dirs, publicUrl: PUBLIC_URL });
  if (!report.compiled) throw new Error('issue did not render');
  const p = new PreparedIssue(report.compiled);
  return Array.from({ length: count }, (_, i) => {
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
      returnPath: `bounces+1.${i + 1}.abcdefghijklmnop@lettre.example.org`,
    });
  });
}

/**
 * The bare transport: the same personalised messages, built beforehand by numero's own message
 * builder (raw MIME, VERP, List-Unsubscribe), pushed through a pooled Nodemailer transport with
 * `sendMail({ envelope, raw })`, 5 connections, 50 in flight; no queue, no database. 1,000 distinct
 * messages are built and sent in turn, so memory stays flat at any size.
 */
async function bareLoop(n: number, smtpUrl: string, dkim: boolean): Promise<{ rate: number; cpuMs: number }> {
  const built = await personalisedMessages(Math.min(n, 1000));
  const u = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: Number(u.port),
    maxConnections: POOL,
    maxMessages: 100,
    ignoreTLS: true,
    ...(dkim
      ? {
          dkim: {
            domainName: DKIM_ENV.DKIM_DOMAIN,
            keySelector: DKIM_ENV.DKIM_SELECTOR,
            privateKey: DKIM_PEM,
            headerFieldNames: DKIM_HEADERS,
          },
        }
      : {}),
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  return { rate: n / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

/**
 * The machine's SMTP ceiling, measured against the same sink in the same run: pre-built copies of
 * one personalised message of this issue (numero's bytes) pushed over raw pipelined sockets by the shared
 * `smtp-ceiling.mjs` (next to the repository, as on the build machines). Null when it is absent.
 */
async function ceiling(n: number, smtpUrl: string): Promise<number | null> {
  const script = path.resolve(ROOT, '../shared/bench/smtp-ceiling.mjs');
  if (!fs.existsSync(script)) return null;
  const [message] = await personalisedMessages(1);
  if (!message) throw new Error('no message');
  const eml = path.join(os.tmpdir(), `numero-ceiling-${process.pid}.eml`);
  fs.writeFileSync(eml, message.raw);
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

/** What /proc says about a process now: resident memory (MB) and CPU time used so far (s). */
function procSample(pid: number): { rss: number; cpu: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]); // utime + stime
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, cpu: ticks / CLK_TCK };
  } catch {
    return null;
  }
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface Sample {
  t: number;
  rss: number;
  cpu: number;
}
/** Samples a process every 250 ms until stopped. */
function sampler(pid: number) {
  const samples: Sample[] = [];
  const take = () => {
    const s = procSample(pid);
    if (s) samples.push({ t: Date.now(), ...s });
  };
  take();
  const timer = setInterval(take, 250);
  return {
    samples,
    stop() {
      take();
      clearInterval(timer);
    },
  };
}
/** Linear interpolation of a sampled value at time t. */
function at(samples: Sample[], t: number, key: 'cpu' | 'rss'): number {
  let prev = samples[0];
  for (const s of samples) {
    if (s.t >= t) {
      if (!prev || s.t === prev.t) return s[key];
      return prev[key] + ((s[key] - prev[key]) * (t - prev.t)) / (s.t - prev.t);
    }
    prev = s;
  }
  return prev?.[key] ?? 0;
}

const label = (v: Variant) =>
  `${v.readers.toLocaleString('en-US')} | ${v.db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${v.workers} | ${v.dkim ? 'on' : 'off'}`;

export interface Variant {
  readers: number;
  db: 'sqlite' | 'postgres';
  workers: number;
  dkim: boolean;
}

async function pipeline(v: Variant, sink: Sink) {
  const smtpUrl = sink.url;
  const n = v.readers;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-send-'));
  const redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: await freePort() });
  const database = await scratchDatabase(v.db, { dir, pgUrl: PG_URL, prefix: 'numero_bench' });
  const env = {
    ...process.env,
    NUMERO_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    SMTP_URL: smtpUrl,
    SMTP_POOL_SIZE: String(POOL),
    UNSUBSCRIBE_SECRET: SECRET,
    PUBLIC_URL,
    LOG_LEVEL: 'warn',
    ...(v.dkim ? DKIM_ENV : {}),
  };
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.NUMERO_DATA_DIR });
  const list = await createList(store.db, 'bench');
  for (let i = 0; i < n; i += 5000) {
    const rows = Array.from({ length: Math.min(5000, n - i) }, (_, k) => ({
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
  const redisClient = new Redis(redis.url);
  let redisPeak = 0;
  const redisTimer = setInterval(() => {
    void redisClient.info('memory').then((info) => {
      redisPeak = Math.max(redisPeak, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1024 / 1024);
    });
  }, 250);

  // `numero send`: check, render, snapshot the audience into the ledger, enqueue. Sampled as it runs.
  const t0 = performance.now();
  const send = spawn(
    process.execPath,
    ['--require', ...numero, 'send', ISSUE, '--list', 'bench', '--detach'],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const sendSampler = sampler(send.pid ?? 0);
  let sendErr = '';
  send.stderr?.on('data', (d: Buffer) => {
    sendErr += d.toString();
  });
  const sendCode = await new Promise<number | null>((res) => send.once('exit', res));
  sendSampler.stop();
  const enqueueSeconds = (performance.now() - t0) / 1000;
  if (sendCode !== 0) throw new Error(`numero send failed: ${sendErr}`);

  // End to end, as the sender sees it: from launching the workers to the sink's last acceptance,
  // and to the campaign's `sent`.
  await sink.ask('reset');
  const launchedAt = Date.now();
  const workers = Array.from({ length: v.workers }, () => {
    const child = spawn(process.execPath, [...WORKER_FLAGS, '--require', ...numero, 'worker'], {
      env,
      stdio: [
        'ignore',
        process.env.WORKER_STDOUT ? fs.openSync(process.env.WORKER_STDOUT, 'w') : 'ignore',
        'pipe',
      ],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    return { child, sampler: sampler(child.pid ?? 0), err: () => err };
  });
  let sentAt = 0;
  for (;;) {
    const c = await store.db
      .selectFrom('campaigns')
      .select(['state', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (c?.state === 'sent') {
      sentAt = Date.parse(c.updated_at);
      break;
    }
    if (workers.some((w) => w.child.exitCode !== null))
      throw new Error(`a worker died: ${workers.map((w) => w.err()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, accepted, firstAccepted, lastAccepted] = (await sink.ask('stats')).split(' ').map(Number);
  if (accepted !== n) throw new Error(`the sink accepted ${accepted} messages, not ${n}`);
  for (const w of workers) w.sampler.stop();
  clearInterval(redisTimer);
  const span = await store.db
    .selectFrom('deliveries')
    .select([
      (eb) => eb.fn.min('sent_at').as('first'),
      (eb) => eb.fn.max('sent_at').as('last'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .where('status', '=', 'sent')
    .executeTakeFirstOrThrow();
  redisClient.disconnect();
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((res) => w.child.once('exit', res))));
  await store.close();
  await redis.stop();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
  const first = Date.parse(String(span.first));
  const last = Date.parse(String(span.last));
  const seconds = (last - first) / 1000;
  // While sending: each worker's CPU share (of one core) and resident memory, from /proc.
  const perWorker = workers.map((w) => {
    const during = w.sampler.samples.filter((s) => s.t >= first && s.t <= last);
    const cpu =
      (at(w.sampler.samples, last, 'cpu') - at(w.sampler.samples, first, 'cpu')) / Math.max(seconds, 0.001);
    return {
      cpu,
      rssMin: Math.min(...during.map((s) => s.rss)),
      rssMax: Math.max(...during.map((s) => s.rss)),
      peak: peakRss(w.err()),
    };
  });
  const endToEnd = {
    toLast: n / (((lastAccepted ?? 0) - launchedAt) / 1000),
    toSent: n / ((sentAt - launchedAt) / 1000),
    start: ((firstAccepted ?? 0) - launchedAt) / 1000,
    tail: (sentAt - (lastAccepted ?? 0)) / 1000,
  };
  return {
    endToEnd,
    rate: Number(span.n) / Math.max(seconds, 0.001),
    enqueueSeconds,
    sendRss: peakRss(sendErr),
    sendRssSamples: sendSampler.samples,
    perWorker,
    redisPeak,
  };
}

const PG_URL = process.env.DATABASE_URL_PG;
const { privateKey: DKIM_KEY } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_PEM = DKIM_KEY.export({ type: 'pkcs1', format: 'pem' }).toString();
const DKIM_ENV = {
  DKIM_DOMAIN: 'lettre.example.org',
  DKIM_SELECTOR: 'bench',
  DKIM_PRIVATE_KEY: DKIM_PEM.replace(/\n/g, '\\n'),
};

/**
 * What to run: `npm run bench:send` runs the standard rows (10,000 / 20,000 / 100,000 readers on
 * SQLite, 20,000 with DKIM, and on PostgreSQL with one and two workers when DATABASE_URL_PG is
 * set); `npm run bench:send -- N [--pg] [--dkim] [--workers K]` runs one row.
 */
function variants(argv: string[]): Variant[] {
  const sizes = argv.map(Number).filter((n) => n > 0);
  const flag = (f: string) => argv.includes(f);
  const workersAt = argv.indexOf('--workers');
  const workers = workersAt >= 0 ? Number(argv[workersAt + 1]) : 1;
  if (sizes.length)
    return sizes.map((readers) => ({
      readers,
      db: flag('--pg') ? 'postgres' : 'sqlite',
      workers,
      dkim: flag('--dkim'),
    }));
  const base = { db: 'sqlite' as const, workers: 1, dkim: false };
  return [
    { ...base, readers: 10_000 },
    { ...base, readers: 20_000 },
    { ...base, readers: 100_000 },
    { ...base, readers: 20_000, dkim: true },
    ...(PG_URL
      ? [
          { ...base, readers: 20_000, db: 'postgres' as const },
          { ...base, readers: 20_000, db: 'postgres' as const, workers: 2 },
        ]
      : []),
    { ...base, readers: 20_000, workers: 2 },
  ];
}

const sink = await startSink();
const endToEndRows: string[] = [];
console.log(
  `numero send benchmark: node ${process.version}; ${os.cpus().length} cores; sink, Redis and the database on this machine; pool ${POOL} per worker; worker flags: ${WORKER_FLAGS.join(' ') || '(Node defaults)'}`,
);
console.log(
  '| readers | store | workers | DKIM | raw-socket ceiling | bare Nodemailer loop (before, after) | full pipeline | pipeline / bare | pipeline / ceiling | `numero send` (enqueue) | peak RSS send | worker CPU while sending | CPU per message, bare / pipeline | worker RSS while sending (peak incl. start) | Redis peak |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const v of variants(process.argv.slice(2))) {
  // PIPELINE_ONLY=1: skip the two baselines (quick experiments; the ratios then read n/a).
  const only = process.env.PIPELINE_ONLY === '1';
  const top = only || v.dkim ? null : await ceiling(v.readers, sink.url);
  const none = { rate: Number.NaN, cpuMs: Number.NaN };
  const bareBefore = only ? none : await bareLoop(v.readers, sink.url, v.dkim);
  const p = await pipeline(v, sink);
  // The loop again after the pipeline: the baseline is the mean of the two runs that bracket it,
  // the machine's speed while the pipeline ran as well as two runs can tell (this machine drifts
  // by ±20 % within minutes, in either direction). Both are printed, so the drift shows.
  const bareAfter = only ? none : await bareLoop(v.readers, sink.url, v.dkim);
  const bare = (bareBefore.rate + bareAfter.rate) / 2;
  const bareCpuMs = (bareBefore.cpuMs + bareAfter.cpuMs) / 2;
  const bareText = Number.isNaN(bare)
    ? 'n/a'
    : `${Math.round(bare)} msg/s (${Math.round(bareBefore.rate)}, ${Math.round(bareAfter.rate)})`;
  const ceil = top === null ? 'n/a' : `${Math.round(top)} msg/s`;
  const ofCeil = top === null ? 'n/a' : `${Math.round((p.rate / top) * 100)} %`;
  const ofBare = Number.isNaN(bare) ? 'n/a' : `${Math.round((p.rate / bare) * 100)} %`;
  const cpu = p.perWorker.map((w) => `${Math.round(w.cpu * 100)} %`).join(' + ');
  const workerCpuMs = (p.perWorker.reduce((a, w) => a + w.cpu, 0) / p.rate) * 1000;
  const rss = p.perWorker
    .map((w) => `${w.rssMin.toFixed(0)}–${w.rssMax.toFixed(0)} MB (${w.peak.toFixed(0)})`)
    .join(', ');
  const e = p.endToEnd;
  const ofBareE2e = Number.isNaN(bare) ? 'n/a' : `${Math.round((e.toLast / bare) * 100)} %`;
  endToEndRows.push(
    `| ${label(v)} | ${bareText} | ${Math.round(p.rate)} msg/s (${ofBare}) | **${Math.round(e.toLast)} msg/s (${ofBareE2e})** | ${Math.round(e.toSent)} msg/s | ${e.start.toFixed(2)} s | ${e.tail.toFixed(2)} s |`,
  );
  console.log(
    `| ${label(v)} | ${ceil} | ${bareText} | ${Math.round(p.rate)} msg/s | ${ofBare} | ${ofCeil} | ${p.enqueueSeconds.toFixed(1)} s | ${p.sendRss.toFixed(0)} MB | ${cpu} | ${Number.isNaN(bareCpuMs) ? '?' : bareCpuMs.toFixed(2)} / ${workerCpuMs.toFixed(2)} ms | ${rss} | ${p.redisPeak.toFixed(1)} MB |`,
  );
}
console.log(
  "\nEnd to end, as a sender waits: from launching `numero worker` (as the README starts it) to the sink's last acceptance, and to the campaign's `sent`; start is launch → first acceptance (process start, connections, the first batch), tail is last acceptance → `sent`.\n",
);
console.log(
  '| readers | store | workers | DKIM | bare Nodemailer loop (before, after) | steady state (pipeline / bare) | end to end → last acceptance (/ bare) | end to end → `sent` | start | tail |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of endToEndRows) console.log(row);
sink.child.kill('SIGTERM');
