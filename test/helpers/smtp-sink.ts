import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMessage {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  /** When the server accepted it (ms since epoch). */
  at: number;
}

/** How the server answers one message: null accepts it. `attempt` counts this recipient's tries. */
export type SinkBehaviour = (rcpt: string, attempt: number) => { code: number; message: string } | null;

export interface SinkOptions {
  behaviour?: SinkBehaviour;
  /** Require AUTH (PLAIN/LOGIN over plain text, loopback only); the check may change while it runs. */
  auth?: (user: string, password: string) => boolean;
  /** Wait this long before answering each message (messages in flight). */
  delayMs?: number;
  /** A refusal at MAIL FROM (the sender), null to accept. */
  mailFrom?: (from: string) => { code: number; message: string } | null;
  /** A refusal at RCPT TO, null to accept. */
  rcptTo?: (rcpt: string) => { code: number; message: string } | null;
}

/** A real SMTP server on a free loopback port that keeps what it receives, for tests. */
export interface SmtpSink {
  url: string;
  port: number;
  messages: CapturedMessage[];
  /** Tries per recipient, accepted or not. */
  attempts: Map<string, number>;
  /** Replaces the behaviour while the server runs. */
  setBehaviour(b: SinkBehaviour | undefined): void;
  /** Resolves when at least `n` messages have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<CapturedMessage[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const messages: CapturedMessage[] = [];
  const attempts = new Map<string, number>();
  let behaviour = options.behaviour;
  const waiters: Array<() => void> = [];
  const auth = options.auth;
  const server = new SMTPServer({
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(address, _session, callback) {
      const refusal = options.mailFrom?.(address.address);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.rcptTo?.(address.address);
      if (refusal) {
        attempts.set(address.address, (attempts.get(address.address) ?? 0) + 1);
        return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      }
      callback();
    },
    onAuth(a, _session, callback) {
      if (auth?.(a.username ?? '', a.password ?? '')) return callback(null, { user: a.username });
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const rcpt = session.envelope.rcptTo[0]?.address ?? '';
        const attempt = (attempts.get(rcpt) ?? 0) + 1;
        attempts.set(rcpt, attempt);
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        const refusal = behaviour?.(rcpt, attempt);
        if (refusal) {
          const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          return callback(err);
        }
        messages.push({
          at: Date.now(),
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw,
          parsed: await simpleParser(raw),
        });
        for (const w of waiters.splice(0)) w();
        callback();
      });
    },
  });
  // A client that dies mid-conversation (the SIGKILL test) resets its socket: not the sink's failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    attempts,
    setBehaviour: (b) => {
      behaviour = b;
    },
    waitFor(n, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SMTP sink: ${messages.length} of ${n} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (messages.length >= n) {
            clearTimeout(timer);
            resolve(messages);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
