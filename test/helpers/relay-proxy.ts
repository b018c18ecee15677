import net from 'node:net';

/**
 * A TCP front for an SMTP server that a test can break: `up` forwards, `refuse` stops listening
 * (connections are refused, as when a relay is down), `reset` accepts and closes at once before
 * any greeting (counting each attempt). Switching away from `up` cuts the connections in use.
 */
export interface RelayProxy {
  url: string;
  port: number;
  /** Connections accepted while in `reset` mode. */
  resets: number;
  set(mode: 'up' | 'refuse' | 'reset'): Promise<void>;
  close(): Promise<void>;
}

export async function startRelayProxy(target: { port: number }, userinfo = ''): Promise<RelayProxy> {
  let mode: 'up' | 'refuse' | 'reset' = 'up';
  const sockets = new Set<net.Socket>();
  const proxy: RelayProxy = {
    url: '',
    port: 0,
    resets: 0,
    set: async (m) => {
      if (m !== 'up') for (const s of sockets) s.destroy();
      if (m === 'refuse' && mode !== 'refuse') await new Promise<void>((r) => server.close(() => r()));
      if (m !== 'refuse' && mode === 'refuse') await listen(proxy.port);
      mode = m;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      if (mode !== 'refuse') await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((client) => {
    if (mode === 'reset') {
      proxy.resets++;
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  await listen(0);
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.url = `smtp://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${proxy.port}`;
  return proxy;
}
