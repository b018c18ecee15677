import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/runtime/redis-server.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary folder, on a free loopback port), so
 * that a test may restart it without disturbing the server other tests use. As root it runs as the
 * `postgres` user (PostgreSQL refuses root). Null when the server binaries are not installed.
 */
export interface PgCluster {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster | null> {
  const root = '/usr/lib/postgresql';
  const version = fs.existsSync(root)
    ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  const bin = version ? path.join(root, version, 'bin') : null;
  if (!bin || !fs.existsSync(path.join(bin, 'initdb'))) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chownSync(dir, ...(await ids('postgres')));
  const sh = (cmd: string) =>
    asRoot
      ? run('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { cwd: '/' })
      : run('/bin/sh', ['-c', cmd], { cwd: '/' });
  const port = await freePort();
  const data = path.join(dir, 'data');
  await sh(`${bin}/initdb -D ${data} -A trust -U numero --no-sync -E UTF8 >/dev/null`);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (args: string) => sh(`${bin}/pg_ctl -D ${data} -l ${dir}/log -w ${args}`);
  await ctl(`-o "${opts}" start`);
  return {
    url: `postgres://numero@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await ctl(`-m fast -o "${opts}" restart`);
    },
    stop: async () => {
      await ctl('-m immediate stop').catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ids(user: string): Promise<[number, number]> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', user]),
    run('id', ['-g', user]),
  ]);
  return [Number(uid), Number(gid)];
}
