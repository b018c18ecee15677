import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { NumeroError } from '../errors.ts';

/**
 * The embedded default: with no REDIS_URL, a private redis-server from the PATH, shared by the
 * numero processes of one data folder. Process wiring, not part of the queue itself.
 */
export interface RedisTarget {
  url: string;
  /** Safe to print. */
  description: string;
  /** True when this process started the server and will stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  r.on('error', () => {}); // a refused connection is the answer here, not an error
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * REDIS_URL when set; otherwise the private redis-server of this data folder: reused when another
 * numero process already runs it (its port is in DATA_DIR/redis/port), else started here on a free
 * loopback port, with its append-only file under DATA_DIR/redis/, and stopped when this process ends.
 */
export async function resolveRedis(config: {
  redisUrl: string | undefined;
  dataDir: string;
}): Promise<RedisTarget> {
  if (config.redisUrl) {
    const u = new URL(config.redisUrl);
    return { url: config.redisUrl, description: `redis://${u.host}`, owned: false, stop: async () => {} };
  }
  const dir = path.join(config.dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const portFile = path.join(dir, 'port');
  if (fs.existsSync(portFile)) {
    const url = `redis://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
    if (await ping(url))
      return {
        url,
        description: `the private redis-server at ${url} (shared)`,
        owned: false,
        stop: async () => {},
      };
  }
  const server = await startRedisServer({ dir, port: await freePort() });
  fs.writeFileSync(portFile, String(server.port));
  return {
    url: server.url,
    description: `a private redis-server at ${server.url} (data in ${path.relative(process.cwd(), dir) || dir}/)`,
    owned: true,
    stop: async () => {
      if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim() === String(server.port))
        fs.rmSync(portFile);
      await server.stop();
    },
  };
}

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts redis-server from PATH on loopback; resolves once it answers PING. */
export async function startRedisServer(opts: {
  dir: string;
  port: number;
  appendonly?: boolean;
}): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) {
    throw new NumeroError(
      'CONFIG_INVALID',
      'redis-server was not found on PATH, and REDIS_URL is not set. Install it (apt-get install redis-server, or brew install redis), or run one with docker compose up redis and set REDIS_URL=redis://127.0.0.1:6379',
    );
  }
  fs.mkdirSync(opts.dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(opts.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      path.resolve(opts.dir),
      '--save',
      '',
      '--appendonly',
      opts.appendonly === false ? 'no' : 'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = `redis://127.0.0.1:${opts.port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null)
      throw new NumeroError('CONFIG_INVALID', `redis-server exited: ${stderr.trim()}`);
    if (await ping(url)) break;
    await new Promise((r) => setTimeout(r, 100));
    if (i === 99) throw new NumeroError('CONFIG_INVALID', `redis-server did not answer on ${url}`);
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return { url, port: opts.port, process: child, stop };
}
