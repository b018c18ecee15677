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
