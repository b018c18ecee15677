import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { ROOT } from '../helpers/fixtures.ts';
import { createHarness, type Harness, ISSUE } from '../helpers/send-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('numero send, waiting, says why nothing moves (real Redis, no worker)', () => {
  it('no worker on the queue: said within seconds, then the sender starts one and it goes', async () => {
    h = await createHarness({ readers: 5 });
    const child = spawn(process.execPath, [BIN, 'send', path.relative(ROOT, ISSUE), '--list', 'lecteurs'], {
      cwd: ROOT,
      env: { ...process.env, ...h.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const waiting = new Set<() => void>();
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of [...waiting]) w();
    });
    child.once('exit', () => {
      for (const w of [...waiting]) w();
    });
    /** Resolves when the output shows `re`; rejects if the process ends first. */
    const saw = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(out)) {
            waiting.delete(check);
            resolve();
          } else if (child.exitCode !== null) {
            waiting.delete(check);
            reject(new Error(`exited without ${re}: ${out}`));
          }
        };
        waiting.add(check);
        check();
      });
    await saw(
      /campaign \d+: waiting: no worker is connected to the queue on redis:\/\/127\.0\.0\.1:\d+: start one with numero worker/,
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await h.startWorker();
    await saw(/campaign \d+ sent/);
    expect(await exited).toBe(0);
    // While it waited: the rate and the time left (unknown while nothing moves); at the end, the
    // time end to end from the command's start and the sending rate from the ledger.
    expect(out).toMatch(/5 remaining \(0 msg\/s, \? left\)/);
    expect(out).toMatch(
      /campaign \d+ sent: 5 accepted, [\d.]+ s end to end \(from this command's start; sending [\d.]+ s( at \d+ msg\/s)?\)/,
    );
  }, 120_000);
});
