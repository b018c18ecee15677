/**
 * npm run bench:render: for a seed issue and each engine, the median time of a full render
 * (Issue → compiled HTML + text) and the rate of per-reader personalisation (render once,
 * fill in 10,000 readers). Single-threaded, so the rate is what one core does.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContext, loadIssue } from '../src/content/load.ts';
import { compileIssue } from '../src/render/compile.ts';
import { Personalizer } from '../src/render/personalize.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = { issuesDir: path.join(ROOT, 'issues'), templatesDir: path.join(ROOT, 'templates') };
const file = path.join(dirs.issuesDir, process.argv[2] ?? '2025-10-02-numero-37.md');
const RENDERS = 40;
const READERS = 10_000;
const PUBLIC_URL = 'https://lettre.example.org';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const ctx = loadContext(dirs);
const issue = loadIssue(file, dirs, ctx);
const readers = Array.from({ length: READERS }, (_, i) => ({
  email: `lecteur${i}@example.org`,
  firstName: i % 7 === 0 ? '' : `Lecteur${i}`,
  lastName: 'Test',
  attributes: { city: i % 2 ? 'Almaty' : 'Bruxelles' },
}));

console.log(
  `numero render benchmark: ${path.relative(ROOT, file)}; node ${process.version}; ${os.cpus()[0]?.model ?? ''}`,
);
console.log(
  '| engine | full render, median ms | HTML KB | personalised msg/s (10,000 readers) | µs per reader |',
);
console.log('|---|---|---|---|---|');
for (const template of ['weekly.tsx', 'weekly.mjml']) {
  const opts = { templatesDir: dirs.templatesDir, publicUrl: PUBLIC_URL, template };
  for (let i = 0; i < 5; i++) await compileIssue(issue, opts); // warm-up: module loading, JIT
  const times: number[] = [];
  let compiled = await compileIssue(issue, opts);
  for (let i = 0; i < RENDERS; i++) {
    const t0 = performance.now();
    compiled = await compileIssue(issue, opts);
    times.push(performance.now() - t0);
  }
  const personalizer = new Personalizer(compiled);
  let bytes = 0;
  const t0 = performance.now();
  for (const [i, r] of readers.entries()) {
    const out = personalizer.fill(r, {
      unsubscribeUrl: `${PUBLIC_URL}/unsubscribe/tok${i}`,
      browserUrl: `${PUBLIC_URL}/issues/${issue.slug}`,
    });
    bytes += out.html.length + out.text.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const rate = READERS / seconds;
  console.log(
    `| ${template} | ${median(times).toFixed(1)} | ${(Buffer.byteLength(compiled.html) / 1000).toFixed(1)} | ${Math.round(rate).toLocaleString('en-US')} | ${((seconds * 1e6) / READERS).toFixed(1)} |`,
  );
  if (bytes === 0) throw new Error('nothing rendered');
}
