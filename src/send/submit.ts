import { metrics } from '../_shared/metrics.ts';
import { classifySmtpError, type SmtpVerdict } from './classify.ts';
import type { SendDeps } from './deps.ts';
import type { OutgoingMessage } from './message.ts';

export type Submitted = { ok: true; response: string } | { ok: false; verdict: SmtpVerdict };

/**
 * Step 4: hands one message to the pooled SMTP transport, within the provider's shared rate limit,
 * and says what the server answered: accepted, or the class of its refusal.
 */
export async function submit(deps: SendDeps, message: OutgoingMessage): Promise<Submitted> {
  await deps.limiter.acquire();
  const done = metrics.submitSeconds.startTimer({ provider: deps.settings.provider });
  try {
    const info = await deps.transport.send(message);
    return { ok: true, response: info.response };
  } catch (e) {
    return {
      ok: false,
      verdict: classifySmtpError(e as Error & { responseCode?: number; response?: string }),
    };
  } finally {
    done();
  }
}

/**
 * What a transactional message (a signup's confirmation, a welcome) becomes after its one
 * submission: `sent`; `failed` on a refusal of the message or the sender (logged); otherwise
 * (throttled, transient, the relay down, which opens the breaker) put back in line for a retry.
 * `mark` writes the row's new status with the Message-ID it went out with (none when it goes back).
 */
export async function settleTransactional(
  deps: SendDeps,
  answer: Submitted,
  o: {
    messageId: string;
    /** The log events of its two ends, e.g. `welcome.sent` and `welcome.failed`. */
    events: { sent: string; failed: string };
    fields: Record<string, unknown>;
    mark(status: 'sent' | 'failed' | 'queued', messageId: string | null): Promise<void>;
  },
): Promise<'sent' | 'failed' | 'retry'> {
  if (answer.ok) {
    await o.mark('sent', o.messageId);
    deps.log(o.events.sent, { ...o.fields, messageId: o.messageId });
    return 'sent';
  }
  const v = answer.verdict;
  if (v.kind === 'permanent' || v.kind === 'sender') {
    await o.mark('failed', o.messageId);
    deps.log(o.events.failed, { ...o.fields, code: v.code, reason: v.text });
    return 'failed';
  }
  if (v.kind === 'relay') await deps.relayDown(v);
  await o.mark('queued', null);
  return 'retry';
}
