import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import { isReturnPathLocal } from '../_shared/delivery-ids.ts';
import { isOutage } from '../_shared/outage.ts';
import type { Store } from '../store/db.ts';
import { type InboundSettings, processInbound } from './pipeline.ts';

/**
 * `numero inbound`: the MX of the bounce domain. It takes mail for `bounces+CAMPAIGN.SUBSCRIBER@`
 * and `unsubscribe+TOKEN@` at numero's own domains and nothing else (550 5.7.1 at RCPT: never an
 * open relay), bounds sizes and connections, offers STARTTLS with a certificate, and hands each
 * message to the pipeline. When the database is away it answers 451, so the sender retries later:
 * nothing that came back is lost.
 */

export interface InboundSmtpOptions {
  store: Store;
  settings: InboundSettings;
  host: string;
  port: number;
  domains: readonly string[];
  maxBytes: number;
  maxClients: number;
  /** Connections one client address may hold at once (a few idle ones never keep the others out). */
  maxPerClient?: number;
  /** The longest a session may last, whatever it does; NOOPs past NOOP_LIMIT end it sooner. */
  sessionMs?: number;
  tls: { key: string; cert: string } | null;
  log: Logger;
}

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

const UNSUBSCRIBE_LOCAL = /^unsubscribe\+[a-z0-9.]{1,100}$/;
const MAX_RECIPIENTS = 50;
/** NOOPs one session may send: a mail server needs one or two, a squatter many. */
export const NOOP_LIMIT = 10;

/** What numero touches of smtp-server's connection object (not in its types). */
interface Conn {
  id: string;
  remoteAddress: string;
  send(code: number, text: string): void;
  close(): void;
  handler_NOOP(command: unknown, cb: () => void): void;
}

/** Whether numero receives mail for this address. */
export function acceptsRecipient(address: string, domains: readonly string[]): boolean {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 0) return false;
  const local = a.slice(0, at);
  return domains.includes(a.slice(at + 1)) && (isReturnPathLocal(local) || UNSUBSCRIBE_LOCAL.test(local));
}

type Callback = (err?: Error | null) => void;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startInboundSmtp(o: InboundSmtpOptions): Promise<InboundSmtp> {
  if (!o.domains.length) {
    throw new Error(
      'the inbound listener needs BOUNCE_DOMAIN (or UNSUBSCRIBE_MAILTO_DOMAIN): the domain it receives mail for',
    );
  }
  const lifetimes = new Map<string, NodeJS.Timeout>();
  const server = new SMTPServer({
    name: o.domains[0],
    banner: 'numero inbound: bounces and unsubscribe requests only',
    size: o.maxBytes,
    maxClients: o.maxClients,
    authOptional: true,
    disabledCommands: o.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(o.tls ? { key: fs.readFileSync(o.tls.key), cert: fs.readFileSync(o.tls.cert) } : {}),
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onConnect(session: SMTPServerSession, cb: Callback) {
      const all = [...(server as unknown as { connections: Set<Conn> }).connections];
      const mine = all.filter((c) => c.remoteAddress === session.remoteAddress);
      if (mine.length > (o.maxPerClient ?? 3))
        return cb(
          smtpError(421, `4.7.0 Too many connections from ${session.remoteAddress}, try again later`),
        );
      const conn = all.find((c) => c.id === session.id);
      if (conn) {
        const timer = setTimeout(() => {
          conn.send(421, '4.4.2 Session too long, closing');
          conn.close();
        }, o.sessionMs ?? 120_000);
        timer.unref();
        lifetimes.set(session.id, timer);
        let noops = 0;
        conn.handler_NOOP = (_command, done) => {
          if (++noops > NOOP_LIMIT) {
            conn.send(421, '4.7.0 Too many NOOPs, closing');
            conn.close();
          } else conn.send(250, 'OK');
          done();
        };
      }
      cb();
    },
    onClose(session: SMTPServerSession) {
      clearTimeout(lifetimes.get(session.id));
      lifetimes.delete(session.id);
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS)
        return cb(smtpError(452, '4.5.3 Too many recipients'));
      if (!acceptsRecipient(address.address, o.domains))
        return cb(
          smtpError(550, '5.7.1 Relaying denied: this server only takes bounces and unsubscribe requests'),
        );
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: Callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= o.maxBytes) chunks.push(c);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > o.maxBytes)
          return cb(smtpError(552, `5.3.4 Message too big: at most ${o.maxBytes} bytes`));
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        processInbound(o.store, { raw: Buffer.concat(chunks), source: 'smtp', recipients }, o.settings).then(
          (r) => {
            o.log.info(
              {
                duplicate: r.duplicate,
                reports: r.reports.map((x) => ({ kind: x.kind, recipient: x.recipient, action: x.action })),
                unsubscribed: r.unsubscribed,
                paused: r.paused,
              },
              'inbound message handled',
            );
            cb();
          },
          (e: unknown) => {
            // Never lose what came back: the sending MTA keeps it and tries again.
            o.log.warn(
              { err: (e as Error).message, outage: isOutage(e) },
              'inbound message not handled: 451, the sender will retry',
            );
            cb(smtpError(451, '4.3.0 Temporary failure, please try again later'));
          },
        );
      });
    },
  });
  server.on('error', (e) => o.log.warn({ err: e.message }, 'inbound SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  o.log.info({ host: o.host, port, domains: o.domains, starttls: !!o.tls }, 'inbound SMTP listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of lifetimes.values()) clearTimeout(t);
        server.close(() => resolve());
      }),
  };
}
