import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a Hono app on host:port (0 = a free port) and resolves once it listens. A client that is
 * slow to send its headers (10 s) or its whole request (30 s) is cut off, checked every second, so
 * slow requests cannot hold the server's connections.
 */
export function listen(
  app: Hono,
  port: number,
  host: string,
  o: { headersTimeoutMs?: number; requestTimeoutMs?: number } = {},
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const headersTimeout = o.headersTimeoutMs ?? 10_000;
    const serverOptions = {
      headersTimeout,
      requestTimeout: Math.max(o.requestTimeoutMs ?? 30_000, headersTimeout + 1),
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    };
    const server = serve({ fetch: app.fetch, port, hostname: host, serverOptions }, (info: AddressInfo) => {
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // Open event streams would keep close() waiting forever.
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
