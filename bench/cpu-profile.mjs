// node bench/cpu-profile.mjs FILE.cpuprofile [top]: where a process spent its CPU, from a V8
// profile written by --cpu-prof (see the README's "Where the time goes"). Prints self time by
// package (or Node internals / GC / idle) and the top functions.
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpu-profile.mjs FILE.cpuprofile [top]');
  process.exit(1);
}
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
}
const where = (url) => {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node internals';
  const s = /\/(src|bench|workers|bin)\/([^/]+)/.exec(url);
  return s ? `numero ${s[1]}/${s[2]}` : url;
};
const groups = new Map();
const fns = new Map();
let total = 0;
let idle = 0;
for (const [id, t] of self) {
  const n = byId.get(id);
  const name = n.callFrame.functionName || '(anonymous)';
  total += t;
  if (name === '(idle)') {
    idle += t;
    continue;
  }
  const g =
    name === '(garbage collector)' ? 'GC' : name === '(program)' ? '(program)' : where(n.callFrame.url);
  groups.set(g, (groups.get(g) ?? 0) + t);
  const key = `${name} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
const busy = total - idle;
const pct = (t) => `${((t / busy) * 100).toFixed(1)} %`;
console.log(`busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s profiled`);
console.log('\n| where | share of busy CPU |\n|---|---|');
for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`| ${g} | ${pct(t)} |`);
console.log('\n| function | share |\n|---|---|');
for (const [f, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25)))
  console.log(`| ${f} | ${pct(t)} |`);
