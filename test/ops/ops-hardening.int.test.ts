import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { loadConfig } from '../../src/config.ts';
import type { Listening } from '../../src/server/listen.ts';
import { startServe } from '../../src/server/serve.ts';
import { BEARER, OPS_TOKEN } from '../helpers/ops.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

let t: TestStore | undefined;
let server: Listening | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  await t?.dispose();
  t = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function serve(env: Record<string, string> = {}) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-ops-hardening-'));
  t = await freshStore('sqlite');
  server = await startServe({
    config: loadConfig({
      NUMERO_DATA_DIR: dir,
      UNSUBSCRIBE_SECRET: 's'.repeat(40),
      OPS_TOKEN,
      LOG_LEVEL: 'silent',
      ...env,
    }),
    store: t.store,
    secret: 's'.repeat(40),
    // Redis is away: /readyz fails on it, with an error that names an address.
    redis: { error: 'connect ECONNREFUSED 10.1.2.3:6379' },
    port: 0,
    host: '127.0.0.1',
    log: createLogger('ops-hardening', 'silent'),
  });
  return server.url;
}

describe('ops and health endpoints under careless or hostile requests (numero serve)', () => {
  it('/readyz tells anyone whether it is ready, and only an operator why not', async () => {
    const url = await serve();
    const open = await fetch(`${url}/readyz`);
    expect(open.status).toBe(503);
    const body = JSON.stringify(await open.json());
    expect(body).toContain('"name":"redis","ok":false');
    expect(body).not.toContain('10.1.2.3');
    const ops = await fetch(`${url}/readyz`, { headers: BEARER });
    expect(JSON.stringify(await ops.json())).toContain('ECONNREFUSED 10.1.2.3:6379');
  });

  it('a malformed flash cookie is ignored, never a 500', async () => {
    const url = await serve();
    for (const cookie of ['numero_ops_flash=%E0%A4%A', 'numero_ops_flash=%', 'numero_ops_flash="\\x00"']) {
      const r = await fetch(`${url}/ops/suppressions`, { headers: { ...BEARER, Cookie: cookie } });
      expect([cookie, r.status]).toEqual([cookie, 200]);
    }
  });

  it('behind TRUST_PROXY, one client’s wrong logins never lock another client out', async () => {
    const url = await serve({ TRUST_PROXY: '127.0.0.1' });
    const login = (client: string, token: string) =>
      fetch(`${url}/ops/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Forwarded-For': client,
          Origin: url,
        },
        body: new URLSearchParams({ token, next: '/ops' }).toString(),
      });
    const attacker: number[] = [];
    for (let i = 0; i < 12; i++) attacker.push((await login('203.0.113.9', 'wrong-token')).status);
    expect(attacker.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(attacker.slice(10)).toEqual([429, 429]);
    // The operator, from another address behind the same proxy, still logs in.
    expect((await login('198.51.100.4', OPS_TOKEN)).status).toBe(303);
  });
});
