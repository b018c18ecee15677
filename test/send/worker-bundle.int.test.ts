import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_DIR, workerBundle } from '../../bin/worker-bundle.mjs';
import { ROOT } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/send-harness.ts';

describe('numero worker runs as a bundle of its own sources', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ readers: 1 });
  });
  afterAll(() => h.dispose());

  it('starts from node_modules/.cache, not through the TypeScript loader, with its own heap limits, and stops on SIGTERM', async () => {
    const child = h.spawnWorker({ LOG_LEVEL: 'info', NUMERO_WORKER_TSX: process.env.T ?? '0' });
    let err = '';
    const started = new Promise<Record<string, unknown>>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        for (const line of err.split('\n'))
          if (line.includes('"worker.started"')) resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
    const line = await started;
    expect(String(line.code)).toMatch(
      new RegExp(`^${CACHE_DIR.replaceAll('.', '\\.')}/worker-[0-9a-f]{16}/worker\\.js$`),
    );
    expect(err).not.toContain('running through tsx instead');
    // numero sized the heap itself (a thread with resource limits): no V8 flags were given here.
    expect(line).toMatchObject({ thread: true });
    expect(line.heapLimitMb).toBeLessThan(100);
    child.kill('SIGTERM');
    const [code, signal] = await once(child, 'close');
    expect(`${code} ${signal}`, err).toBe('0 null');
  });
});

describe('workerBundle', () => {
  const dir = path.join(ROOT, 'test/artifacts', `bundle-${process.pid}`);
  const cacheDir = path.join(dir, 'cache');
  const entry = path.join(dir, 'entry.ts');
  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(entry, "import { v } from './dep.ts';\nexport const value: number = v;\n");
    fs.writeFileSync(path.join(dir, 'dep.ts'), 'export const v: number = 1;\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the same bundle for the same sources and a new one when a source changes', async () => {
    const first = await workerBundle({ entry, cacheDir });
    expect(await workerBundle({ entry, cacheDir })).toBe(first);
    expect(((await import(first)) as { value: number }).value).toBe(1);

    fs.writeFileSync(path.join(dir, 'dep.ts'), 'export const v: number = 2;\n');
    const second = await workerBundle({ entry, cacheDir });
    expect(second).not.toBe(first);
    expect(((await import(second)) as { value: number }).value).toBe(2);
    // The bundle written before stays whole for a process that is still starting from it.
    expect(fs.existsSync(new URL(first))).toBe(true);
  });

  it('names the file and line of a source that does not compile', async () => {
    fs.writeFileSync(path.join(dir, 'dep.ts'), 'export const v: number = ;\n');
    await expect(workerBundle({ entry, cacheDir })).rejects.toThrow(/dep\.ts:1/);
  });
});
