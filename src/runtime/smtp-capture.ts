import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * The built-in SMTP capture used when SMTP_URL is unset: a loopback SMTP server (the smtp-server
 * package) that writes every message it receives to `dir` as an .eml file, so nothing leaves the
 * machine and every message can be opened in a mail client.
 */
export interface Capture {
  url: string;
  port: number;
  dir: string;
  close(): Promise<void>;
}

export async function startCapture(options: { dir: string; port?: number; host?: string }): Promise<Capture> {
  const { dir, host = '127.0.0.1' } = options;
  fs.mkdirSync(dir, { recursive: true });
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 30 * 1024 * 1024,
    onData(stream, session, callback) {
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++seq}.eml`;
      const file = path.join(dir, name);
      const out = fs.createWriteStream(file);
      stream.pipe(out);
      stream.on('error', callback);
      out.on('error', callback);
      out.on('finish', () =>
        callback(null, `queued as ${name} for ${session.envelope.rcptTo.length} recipient(s)`),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    let listening = false;
    // Before start an error means no capture; after, it is a client's broken connection and the
    // capture keeps serving.
    server.on('error', (e) => {
      if (!listening) reject(e);
    });
    server.listen(options.port ?? 0, host, () => {
      listening = true;
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${host}:${port}`,
    port,
    dir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
