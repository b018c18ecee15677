import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../src/events/classify.ts';
import { ROOT } from '../helpers/fixtures.ts';

/**
 * The classifier against 274 real bounces from 54 kinds of mail server (sisimai's public samples,
 * BSD-2, copied unchanged into test/fixtures/corpora/), graded by the corpus's own grader. The
 * targets of issue 21: kind, recipient and status each ≥ 95 %, no live reader graded hard, no hard
 * verdict on a wrong address, one line per address. NUMERO_BOUNCE_CORPUS points it at another copy.
 */
const CORPUS = process.env.NUMERO_BOUNCE_CORPUS ?? path.join(ROOT, 'test/fixtures/corpora/bounces-sisimai');

describe('the bounce classifier on the sisimai corpus (real messages, graded by grade.mjs)', () => {
  it('meets the targets: kind, recipient, status ≥ 95 %, no hard false positive, one line per address', () => {
    const dir = path.join(CORPUS, 'eml');
    const lines: string[] = [];
    for (const file of fs.readdirSync(dir).sort()) {
      for (const r of classifyMessage(fs.readFileSync(path.join(dir, file))))
        lines.push(JSON.stringify({ file, kind: r.kind, recipient: r.recipient, status: r.status }));
    }
    const report = execFileSync(process.execPath, [path.join(CORPUS, 'grade.mjs')], {
      input: lines.join('\n'),
      encoding: 'utf8',
    });
    const pct = (name: string) =>
      Number(new RegExp(`^${name} accuracy: +\\d+/\\d+ \\(([\\d.]+)%\\)`, 'm').exec(report)?.[1]);
    const count = (label: RegExp) => Number(label.exec(report)?.[1]);
    expect(pct('kind')).toBeGreaterThanOrEqual(95);
    expect(pct('recipient')).toBeGreaterThanOrEqual(95);
    expect(pct('status')).toBeGreaterThanOrEqual(95);
    expect(count(/^hard false positives: (\d+)/m)).toBe(0);
    expect(count(/^hard verdicts on the wrong address: (\d+)/m)).toBe(0);
    expect(count(/^autoreplies graded as bounces \(hard\/soft\/policy\): (\d+)/m)).toBe(0);
    // One line per address: as many lines as entries, none missing.
    const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, 'expected.json'), 'utf8')) as unknown[];
    expect(lines).toHaveLength(expected.length);
    expect(report).not.toMatch(/no output line/);
  });
});
