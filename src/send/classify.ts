import { type Judgement, judge } from '../events/policy.ts';
import type { Stage } from '../events/reasons.ts';
import { normalStatus } from '../events/status-codes.ts';

/**
 * What an SMTP answer (or its absence) means for the queue. What a refusal means for the reader is
 * the failure policy's (src/events/policy.ts, the one rulebook for every door; the only import of
 * send/ from its right, a pure function). The failure class decides the queue's behaviour:
 *
 * - `relay`: the transport itself failed (connection refused or timed out, TLS, a 421/554
 *   greeting, authentication, the server closing the connection before MAIL FROM). It concerns
 *   every message, never the reader: no delivery changes status and no attempt is used; the
 *   provider's breaker opens (src/queue/breaker.ts). `auth` says waiting cannot fix it.
 * - `throttled`: the relay says "slow down": the message waits without using up an attempt.
 * - `transient`: a 4xx or a broken connection about this message: retried with backoff.
 * - `sender`: a refusal of the sender itself (at MAIL FROM, 5.1.7/5.1.8): every message would get
 *   it. Nobody's status changes, the row goes back to pending, the campaign pauses with the reason.
 * - `permanent`: a 5xx about this recipient or message: never retried. `judgement` says whose
 *   fault (only `recipient` touches the reader) and what kind.
 */
export type SmtpVerdict =
  | { kind: 'relay'; code: number | null; text: string; auth: boolean }
  | { kind: 'throttled'; code: number; text: string }
  | { kind: 'transient'; code: number | null; text: string }
  | { kind: 'sender'; code: number; text: string; judgement: Judgement }
  | {
      kind: 'permanent';
      code: number;
      text: string;
      judgement: Judgement;
      suppress: boolean;
      policy: boolean;
    };

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

/** Nodemailer's `command` ("MAIL FROM", "RCPT TO", "DATA"…) as a stage of the dialogue. */
function stageOf(command: string): Stage | null {
  if (/^MAIL/i.test(command)) return 'mail';
  if (/^RCPT/i.test(command)) return 'rcpt';
  if (/^(DATA|BDAT|\.|MESSAGE)/i.test(command)) return 'data';
  if (/^(EHLO|HELO|LHLO)/i.test(command)) return 'helo';
  if (/^CONN/i.test(command)) return 'connect';
  return null;
}

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
    const status = normalStatus(text);
    const stage = stageOf(command);
    const judgement = judge({ status, reply: code, text, stage });
    const sd = status?.slice(2);
    // Refused before any recipient was named, or for the sender's own address: every reader would be.
    if (stage === 'mail' || stage === 'connect' || stage === 'helo' || sd === '1.7' || sd === '1.8')
      return { kind: 'sender', code, text, judgement };
    return {
      kind: 'permanent',
      code,
      text,
      judgement,
      suppress: judgement.kind === 'hard',
      policy: judgement.fault === 'sender' || judgement.fault === 'message',
    };
  }
  if (code !== null && THROTTLE_CODES.has(code) && /throttl|rate|too many/i.test(text)) {
    return { kind: 'throttled', code, text };
  }
  return { kind: 'transient', code, text };
}
