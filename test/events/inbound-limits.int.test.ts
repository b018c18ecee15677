import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { type InboundSmtp, NOOP_LIMIT, startInboundSmtp } from '../../src/events/inbound-smtp.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

/**
 * Idle clients cannot keep bounce senders out of numero's SMTP listener: a few connections per
 * client address, a bounded number of NOOPs, a bounded session length (real sockets).
 */
let t: TestStore | undefined;
let inbound: InboundSmtp | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await inbound?.close();
  inbound = undefined;
  await t?.dispose();
  t = undefined;
});

/** A raw SMTP client: lines as they come, and a way to wait for the next matching one. */
function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let closed = false;
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      lines.push(buf.slice(0, i).trim());
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
    for (const w of waiters.splice(0)) w();
  });
  socket.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => {});
  const until = (test: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (test() ? resolve() : waiters.push(check));
      check();
    });
  return {
    lines,
    isClosed: () => closed,
    send: (line: string) => socket.write(`${line}\r\n`),
    line: (re: RegExp) => until(() => lines.some((l) => re.test(l))),
    closed: () => until(() => closed),
  };
}

async function listen(o: { maxPerClient?: number; sessionMs?: number }) {
  t = await freshStore('sqlite');
  inbound = await startInboundSmtp({
    store: t.store,
    settings: { softBounceLimit: 3, keepDays: 30 },
    host: '127.0.0.1',
    port: 0,
    domains: ['bounce.lettre.example'],
    maxBytes: 100_000,
    maxClients: 20,
    tls: null,
    log: createLogger('limits-test', 'silent'),
    ...o,
  });
  return inbound.port;
}

describe('the inbound listener under idle or squatting clients (real sockets)', () => {
  it('lets one client address hold at most INBOUND_MAX_PER_CLIENT connections', async () => {
    const port = await listen({ maxPerClient: 3 });
    const held = [client(port), client(port), client(port)];
    for (const c of held) await c.line(/^220 /);
    const fourth = client(port);
    await fourth.line(/^421 .*Too many connections from/);
    await fourth.closed();
    // The three still talk.
    held[0]?.send('EHLO mx.example.org');
    await held[0]?.line(/^250 /);
  });

  it(`ends a session after ${NOOP_LIMIT} NOOPs, and any session after INBOUND_SESSION_MS`, async () => {
    const port = await listen({ sessionMs: 1_500 });
    const noisy = client(port);
    await noisy.line(/^220 /);
    for (let i = 0; i <= NOOP_LIMIT; i++) noisy.send('NOOP');
    await noisy.line(/^421 .*Too many NOOPs/);
    await noisy.closed();
    expect(noisy.lines.filter((l) => l.startsWith('250')).length).toBe(NOOP_LIMIT);

    const idle = client(port);
    await idle.line(/^220 /);
    idle.send('EHLO mx.example.org');
    await idle.line(/^421 .*Session too long/);
    await idle.closed();
  });
});
