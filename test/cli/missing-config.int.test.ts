import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numero } from '../helpers/cli.ts';

/**
 * A process started without what it needs says so and exits; it never waits in silence (a worker
 * without UNSUBSCRIBE_SECRET used to print one line and stay up, ignoring SIGTERM, its embedded
 * Redis holding it open). The test waits for the process to end: it fails by timing out if one waits.
 */
let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('processes started without their required configuration', () => {
  it.each([
    [['worker'], /UNSUBSCRIBE_SECRET is not set/],
    [['serve', '--port', '0'], /UNSUBSCRIBE_SECRET/],
    [['inbound'], /numero inbound needs UNSUBSCRIBE_SECRET/],
  ])(
    'numero %s exits 1 naming the variable',
    async (args, message) => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-noconfig-'));
      const env = {
        UNSUBSCRIBE_SECRET: '',
        NUMERO_DATA_DIR: dir,
        DATABASE_URL: `sqlite:${path.join(dir, 'numero.db')}`,
        REDIS_URL: '',
        SMTP_URL: '',
        INBOUND_SMTP_PORT: '',
        LOG_LEVEL: 'silent',
      };
      const r = await numero(args, env);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});
