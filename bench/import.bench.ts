/**
 * npm run bench:import [ROWS]: generates a CSV of ROWS subscribers (default 1,000,000; 0.1 % bad
 * rows, 0.5 % duplicates), imports it with `numero subscribers import` into a fresh SQLite database
 * (and PostgreSQL when DATABASE_URL_PG is set), and prints rows per second and the peak RSS of the
 * importing process. Then imports the same file again (nothing should change).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.argv[2] ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-bench-import-'));
const csv = path.join(dir, 'subscribers.csv');

const cities = ['Almaty', 'Astana', 'Bruxelles', 'Chymkent', 'Luxembourg', 'Paris'];
const out = fs.openSync(csv, 'w');
fs.writeSync(out, 'email,name,city,since\n');
let buf = '';
for (let i = 0; i < ROWS; i++) {
  const n = i % 200 === 7 ? i - 5 : i; // 0.5 % repeat an earlier address
  const email = i % 1000 === 3 ? `broken-${i}.example.org` : `lecteur.${n}@Example${n % 97}.kz`;
  buf += `${email},Lecteur ${n},${cities[n % cities.length]},2025-0${(n % 9) + 1}-01\n`;
  if (buf.length > 1 << 20) {
    fs.writeSync(out, buf);
    buf = '';
  }
}
fs.writeSync(out, buf);
fs.closeSync(out);
const mb = (fs.statSync(csv).size / 1e6).toFixed(1);
console.log(
  `numero import benchmark: ${ROWS.toLocaleString('en-US')} rows (${mb} MB); node ${process.version}; ${os.cpus().length} cores`,
);

function run(label: string, env: NodeJS.ProcessEnv) {
  const numero = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--require', path.join(ROOT, 'bench/peak-rss.cjs'), path.join(ROOT, 'bin/numero.js'), ...args],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
  numero('lists', 'create', 'bench');
  for (const pass of ['first import', 'same file again']) {
    const t0 = performance.now();
    const r = numero('subscribers', 'import', csv, '--list', 'bench');
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${label}: import failed: ${r.stderr}`);
    const rss = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
    const summary = r.stdout.split('\n').find((l) => l.includes(' → '));
    console.log(
      `| ${label} | ${pass} | ${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s | ${seconds.toFixed(1)} s | ${rss.toFixed(0)} MB | ${summary?.replace(/^.*?→ [^:]*: /, '')} |`,
    );
  }
}

console.log('| database | pass | rate | time | peak RSS | summary |');
console.log('|---|---|---|---|---|---|');
run('SQLite', { NUMERO_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' });
if (process.env.DATABASE_URL_PG) {
  const name = `numero_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL_PG });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL_PG);
  url.pathname = `/${name}`;
  try {
    run('PostgreSQL', { DATABASE_URL: url.toString(), NUMERO_DATA_DIR: path.join(dir, 'data-pg') });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
fs.rmSync(dir, { recursive: true, force: true });
