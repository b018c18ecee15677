import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A SpamAssassin score for the message exactly as a reader receives it, with local tests only
 * (`-L`: no DNS blocklists, no network), when SpamAssassin is installed; otherwise how to get it.
 */
export type SpamResult =
  | {
      available: true;
      score: number;
      required: number;
      rules: Array<{ points: number; name: string; description: string }>;
    }
  | { available: false; install: string };

export const SPAMASSASSIN_INSTALL =
  'apt-get install spamassassin (Debian, Ubuntu), brew install spamassassin (macOS)';

export function findSpamAssassin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const bin = path.join(dir, 'spamassassin');
    try {
      fs.accessSync(bin, fs.constants.X_OK);
      return bin;
    } catch {}
  }
  return null;
}

/** Parses SpamAssassin's report (`-t`): the score line and the rules table. */
export function parseSpamReport(report: string): Omit<Extract<SpamResult, { available: true }>, 'available'> {
  const head = /Content analysis details:\s+\((-?[\d.]+) points, ([\d.]+) required\)/.exec(report);
  const rules: Array<{ points: number; name: string; description: string }> = [];
  const table = report.split(/^-{4} -{4,}.*$/m)[1] ?? '';
  for (const line of table.split('\n')) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$/.exec(line);
    if (m) rules.push({ points: Number(m[1]), name: m[2] ?? '', description: (m[3] ?? '').trim() });
    else if (/^\s{20,}\S/.test(line) && rules.length) {
      const last = rules[rules.length - 1];
      if (last) last.description += ` ${line.trim()}`;
    } else if (line.trim() === '' && rules.length) break;
  }
  return { score: Number(head?.[1] ?? Number.NaN), required: Number(head?.[2] ?? 5), rules };
}

export async function spamScore(raw: Buffer, timeoutMs = 60_000): Promise<SpamResult> {
  const bin = findSpamAssassin();
  if (!bin) return { available: false, install: SPAMASSASSIN_INSTALL };
  // Its own user-preferences file, so nothing is written in the user's home.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-spam-'));
  try {
    const report = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        bin,
        ['-L', '-t', '-p', path.join(dir, 'user_prefs')],
        { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, HOME: dir } },
        (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout)),
      );
      child.stdin?.end(raw);
    });
    return { available: true, ...parseSpamReport(report) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
