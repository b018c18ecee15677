import nodemailer, { type Transporter } from 'nodemailer';

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Headers the DKIM signature covers; List-Unsubscribe-Post must be signed for RFC 8058 one-click. */
export const DKIM_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/**
 * The options of the pooled SMTP transport of a worker process (src/send/smtp-thread.ts creates it
 * in its thread): plain data, so they can be handed to the thread.
 */
export function poolOptions(opts: {
  url: string;
  poolSize: number;
  messagesPerConnection: number;
  dkim: DkimSettings | null;
}) {
  return {
    ...transportOptions(opts.url, opts.dkim),
    pool: true as const,
    maxConnections: opts.poolSize,
    maxMessages: opts.messagesPerConnection,
  };
}

/** One connection for one message (the preview's test sends), with the same TLS, auth and DKIM. */
export function createTransport(opts: { url: string; dkim: DkimSettings | null }): Transporter {
  return nodemailer.createTransport(transportOptions(opts.url, opts.dkim));
}

function transportOptions(url: string, dkim: DkimSettings | null) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
    secure: u.protocol === 'smtps:',
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    // Loopback captures and test servers offer no TLS; real providers do and nodemailer upgrades.
    ignoreTLS: u.hostname === '127.0.0.1' || u.hostname === 'localhost',
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    ...(dkim ? { dkim: { ...dkim, headerFieldNames: DKIM_HEADERS } } : {}),
  };
}

/**
 * Connects to the relay, says EHLO, starts TLS when offered and authenticates, then hangs up: the
 * breaker's probe, and `numero send`'s check before anything is queued. Rejects with the server's answer.
 */
export async function verifyRelay(url: string, timeoutMs = 10_000): Promise<void> {
  const t = nodemailer.createTransport({
    ...transportOptions(url, null),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await t.verify();
  } finally {
    t.close();
  }
}
