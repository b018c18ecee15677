/**
 * What an SMTP answer (or its absence) means. The failure class decides the queue's behaviour:
 *
 * - `relay`: the transport itself failed (connection refused or timed out, TLS, a 421/554
 *   greeting, authentication, the server closing the connection before MAIL FROM). It concerns
 *   every message, never the reader: no delivery changes status and no attempt is used; the
 *   provider's breaker opens (src/queue/breaker.ts). `auth` says waiting cannot fix it.
 * - `throttled`: the relay says "slow down": the message waits without using up an attempt.
 * - `transient`: a 4xx or a broken connection about this message: retried with backoff.
 * - `permanent`: a 5xx about this recipient or message: never retried.
 */
export type SmtpVerdict =
  | { kind: 'relay'; code: number | null; text: string; auth: boolean }
  | { kind: 'throttled'; code: number; text: string }
  | { kind: 'transient'; code: number | null; text: string }
  | { kind: 'permanent'; code: number; text: string; suppress: boolean; policy: boolean };

const THROTTLE_CODES = new Set([421, 450, 451, 454]);
const AUTH_CODES = new Set([530, 534, 535, 538]);
/** Nodemailer's codes for a failure of the connection or its authentication. */
const TRANSPORT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EREQUIRETLS',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
]);
/** Stages before MAIL FROM: what fails there is the session, not the message. */
const SESSION_STAGE = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b|API$)/;

export function classifySmtpError(err: {
  responseCode?: number;
  response?: string;
  message?: string;
  code?: string;
  command?: string;
}): SmtpVerdict {
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  const text = (err.response ?? err.message ?? String(err)).replace(/\s+/g, ' ').trim();
  const command = err.command ?? '';
  const auth =
    /^AUTH\b/.test(command) ||
    err.code === 'EAUTH' ||
    err.code === 'ENOAUTH' ||
    err.code === 'EOAUTH2' ||
    (code !== null && AUTH_CODES.has(code) && !/^(MAIL|RCPT|DATA)/.test(command));
  const sessionStage = command ? SESSION_STAGE.test(command) : TRANSPORT_CODES.has(err.code ?? '');
  if (
    auth ||
    (sessionStage && (TRANSPORT_CODES.has(err.code ?? '') || err.code === 'EPROTOCOL' || code !== null))
  ) {
    return { kind: 'relay', code, text, auth };
  }
  if (code !== null && code >= 500 && code < 600) {
    const enhanced = /\b5\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
    const subject = enhanced ? Number(enhanced[1]) : null;
    // 5.1.x: the address does not exist (user unknown, bad domain): suppress it.
    // 5.7.x: policy or authentication: the sender's problem, not the reader's.
    return { kind: 'permanent', code, text, suppress: subject === 1, policy: subject === 7 };
  }
  if (code !== null && THROTTLE_CODES.has(code) && /throttl|rate|too many/i.test(text)) {
    return { kind: 'throttled', code, text };
  }
  return { kind: 'transient', code, text };
}
