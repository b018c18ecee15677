/**
 * What an SMTP answer (or its absence) means for a delivery. The failure class decides the queue's
 * behaviour: throttling waits without using up an attempt, transient failures retry with backoff,
 * permanent ones never retry.
 */
export type SmtpVerdict =
  | { kind: 'throttled'; code: number; text: string }
  | { kind: 'transient'; code: number | null; text: string }
  | { kind: 'permanent'; code: number; text: string; suppress: boolean; policy: boolean };

const THROTTLE_CODES = new Set([421, 450, 451, 454]);

export function classifySmtpError(err: {
  responseCode?: number;
  response?: string;
  message?: string;
  code?: string;
}): SmtpVerdict {
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  const text = (err.response ?? err.message ?? String(err)).replace(/\s+/g, ' ').trim();
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
