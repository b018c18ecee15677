import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unsubscribe } from '../../src/audience/membership.ts';
import { loadConfig } from '../../src/config.ts';
import { createList, findList } from '../../src/store/audience.ts';
import { openStore } from '../../src/store/db.ts';
import { BIN } from '../helpers/cli.ts';
import { ROOT } from '../helpers/fixtures.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs `numero ARGS` as its own process; resolves with its exit code and output. */
function numero(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

function csv(file: string, prefix: string, n: number): string {
  const rows = ['email,name,city'];
  for (let i = 1; i <= n; i++) rows.push(`${prefix}${i}@example.org,Lecteur ${i},Almaty`);
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

describe('several numero processes on one SQLite file: writers wait their turn', () => {
  it('three imports at once, with subscribers add, a send and 300 one-click unsubscribes during them: every one completes', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-lock-'));
    const env = {
      NUMERO_DATA_DIR: dir,
      DATABASE_URL: `sqlite:${path.join(dir, 'numero.db')}`,
      LOG_LEVEL: 'silent',
    };
    const store = await openStore(loadConfig(env));
    try {
      const list = await createList(store.db, 'lecteurs');
      const first = await numero(
        ['subscribers', 'import', csv(path.join(dir, 'first.csv'), 'u', 300), '--list', 'lecteurs'],
        env,
      );
      expect(first.code).toBe(0);
      const ids = (await store.db.selectFrom('subscribers').select('id').execute()).map((r) => r.id);

      const imports = ['a', 'b', 'c'].map((p) =>
        numero(
          ['subscribers', 'import', csv(path.join(dir ?? '', `${p}.csv`), p, 40_000), '--list', 'lecteurs'],
          env,
        ),
      );
      const adds = Array.from({ length: 5 }, (_, i) =>
        numero(['subscribers', 'add', `ajout${i}@example.org`, '--list', 'lecteurs'], env),
      );
      // Meanwhile, in this process, readers unsubscribe one by one (as the public server would).
      const unsubscribed = (async () => {
        let n = 0;
        for (const id of ids)
          if (
            await unsubscribe(store.db, { listId: list.id, subscriberId: id, campaignId: null }, 'one-click')
          )
            n++;
        return n;
      })();
      // And a send snapshots the list in the middle of it all (a private redis-server, then --detach).
      const send = numero(['send', 'issues/2025-10-02-numero-37.md', '--list', 'lecteurs', '--detach'], env);
      const results = await Promise.all([...imports, ...adds, send]);
      for (const r of results)
        expect([r.code, r.out]).toEqual([0, expect.not.stringMatching(/locked|Error/)]);
      expect(await unsubscribed).toBe(300);
      const counts = await store.db
        .selectFrom('memberships')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('list_id', '=', (await findList(store.db, 'lecteurs'))?.id ?? 0)
        .groupBy('status')
        .execute();
      expect(Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]))).toEqual({
        active: 120_005,
        unsubscribed: 300,
      });
    } finally {
      await store.close();
    }
  }, 180_000);
});
