import nodemailer from 'nodemailer';
import { parseAddress } from '../_shared/address.ts';
import type { Newsletter } from '../content/data.ts';
import { NumeroError } from '../errors.ts';
import type { CompiledIssue } from '../render/compile.ts';
import { Personalizer, type Reader, type ReaderLinks } from '../render/personalize.ts';

export interface TestSend {
  compiled: CompiledIssue;
  newsletter: Newsletter;
  /** Whose merge fields fill the copy (a sample reader); the copy goes to `to`. */
  reader: Reader;
  links: ReaderLinks;
  to: string;
  smtpUrl: string;
}

/**
 * Sends one personalised copy of an issue to one address, subject prefixed [TEST]. Nothing is
 * queued and no subscriber is involved: this is the editor's proof copy.
 */
export async function sendTest(t: TestSend): Promise<{ messageId: string; response: string; to: string }> {
  const parsed = parseAddress(t.to);
  if (!parsed.ok) throw new NumeroError('ADDRESS_INVALID', `invalid address "${t.to}": ${parsed.reason}`);
  const out = new Personalizer(t.compiled).fill({ ...t.reader, email: parsed.address }, t.links);
  const transport = nodemailer.createTransport(t.smtpUrl);
  try {
    const info = await transport.sendMail({
      from: t.newsletter.from,
      to: parsed.address,
      subject: `[TEST] ${out.subject}`,
      html: out.html,
      text: out.text,
      headers: { 'X-Numero-Test': 'yes' },
    });
    return { messageId: info.messageId, response: info.response, to: parsed.address };
  } catch (cause) {
    throw new NumeroError(
      'SMTP_FAILED',
      `the SMTP server refused the test message: ${(cause as Error).message}`,
      {
        cause,
        retryable: true,
      },
    );
  } finally {
    transport.close();
  }
}
