/**
 * `npm run bench:bounces [CORPUS]`: the bounce classifier on a corpus of real bounces (default: the
 * sisimai corpus in test/fixtures/corpora), graded by the corpus's own grade.mjs, and its speed:
 * messages per second over the whole corpus (median of 5 passes), and the time to classify one
 * 120 KB bounce written to defeat a quadratic address search.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { classifyMessage } from '../src/events/classify.ts';

const corpus = path.resolve(process.argv[2] ?? 'test/fixtures/corpora/bounces-sisimai');
const dir = path.join(corpus, 'eml');
const files = fs.readdirSync(dir).sort();
const raws = files.map((f) => fs.readFileSync(path.join(dir, f)));

const lines: string[] = [];
for (const [i, raw] of raws.entries())
  for (const r of classifyMessage(raw))
    lines.push(JSON.stringify({ file: files[i], kind: r.kind, recipient: r.recipient, status: r.status }));
const report = execFileSync(process.execPath, [path.join(corpus, 'grade.mjs')], {
  input: lines.join('\n'),
  encoding: 'utf8',
});
console.log(
  report
    .split('\n')
    .filter((l) => /accuracy:|false positives|wrong address|autoreplies graded/.test(l))
    .join('\n'),
);

const bytes = raws.reduce((n, r) => n + r.length, 0);
const passes: number[] = [];
for (let k = 0; k < 5; k++) {
  const t = process.hrtime.bigint();
  for (const raw of raws) classifyMessage(raw);
  passes.push(Number(process.hrtime.bigint() - t) / 1e6);
}
passes.sort((a, b) => a - b);
const ms = passes[2] ?? 0;
console.log(
  `speed: ${files.length} messages (${(bytes / 1024).toFixed(0)} KB) in ${ms.toFixed(0)} ms (median of 5) = ${((files.length / ms) * 1000).toFixed(0)} msg/s`,
);

// One 120 KB bounce: lines of local-part characters and stray @, then the real line.
const hostile = Buffer.from(
  `From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail\r\n\r\n${`${'a.'.repeat(500)}@\r\n`.repeat(118)}<lecteur@example.org>: host said: 550 5.1.1 User unknown\r\n`,
);
const t = process.hrtime.bigint();
const [r] = classifyMessage(hostile);
console.log(
  `hostile 120 KB bounce: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms (${r?.kind ?? 'none'})`,
);
