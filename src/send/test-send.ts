import { randomBytes, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { parseAddress } from '../_shared/address.ts';
import { unsubscribeLinks } from '../audience/list-unsubscribe.ts';
import type { Newsletter } from '../content/data.ts';
import { NumeroError } from '../errors.ts';
import type { CompiledIssue } from '../render/compile.ts';
import type { Reader } from '../render/personalize.ts';
import { webVersionUrl } from '../render/sample-readers.ts';
import { buildMessage, mailDomainOf, type OutgoingMessage } from './message.ts';
import { PreparedIssue } from './prepared.ts';
import { createTransport, DKIM_HEADERS, type DkimSettings } from './transport.ts';

/** How test copies are signed and addressed; the same settings real sends use. */
export interface TestSendSettings {
  /** UNSUBSCRIBE_SECRET when set: the copy's test link then verifies on `numero serve`. */
  secret: string | null;
  publicUrl: string;
  mailtoDomain: string | null;
  bounceDomain: string | undefined;
  dkim: DkimSettings | null;
}

export interface TestSend {
  compiled: CompiledIssue;
  newsletter: Newsletter;
  /** Whose merge fields fill the copy (a sample reader); the copy goes to `to`. */
  reader: Reader;
  to: string;
  smtpUrl: string;
  settings: TestSendSettings;
}

/**
 * The test copy of an issue for one address, as sendTest sends it (also what the preview's spam
 * score reads): personalised for the sample reader, built by the real message builder.
 */
export function buildTestMessage(t: Omit<TestSend, 'smtpUrl'>): { message: OutgoingMessage; to: string } {
  const parsed = parseAddress(t.to);
  if (!parsed.ok) throw new NumeroError('ADDRESS_INVALID', `invalid address "${t.to}": ${parsed.reason}`);
  const s = t.settings;
  const links = unsubscribeLinks('test', {
    secret: s.secret ?? randomBytes(32).toString('hex'),
    publicUrl: s.publicUrl,
    mailtoDomain: s.mailtoDomain,
  });
  // The same preparation as a campaign's readers get, so the proof is what they will receive.
  const content = new PreparedIssue(t.compiled).fill(
    { ...t.reader, email: parsed.address },
    {
      unsubscribeUrl: links.url,
      browserUrl: webVersionUrl(s.publicUrl, t.compiled.slug),
      preferencesUrl: `${s.publicUrl}/preferences/${links.token}`,
    },
  );
  const domain = mailDomainOf(t.newsletter.from) ?? new URL(s.publicUrl).hostname;
  const message = buildMessage({
    messageId: `<numero.test.${randomUUID()}@${domain}>`,
    campaignId: 'test',
    subscriberId: '0',
    listName: 'test',
    from: t.newsletter.from,
    to: { name: null, address: parsed.address },
    content: { ...content, subject: `[TEST] ${content.subject}` },
    unsubscribe: links,
    domain,
    // A proof's bounces have no delivery to act on: a return path no reader's can be mistaken for.
    returnPath: `bounces+test@${s.bounceDomain ?? domain}`,
    extraHeaders: { 'X-Numero-Test': 'yes' },
  });
  return { message, to: parsed.address };
}

/** The message as the relay receives it: DKIM-signed when configured (nodemailer's own signer). */
export async function signedRaw(message: OutgoingMessage, dkim: DkimSettings | null): Promise<Buffer> {
  if (!dkim) return message.raw;
  const stream = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    dkim: { ...dkim, headerFieldNames: DKIM_HEADERS },
  });
  const info = await stream.sendMail({ envelope: message.envelope, raw: message.raw });
  return info.message as Buffer;
}

/**
 * Sends one personalised copy of an issue to one address, subject prefixed [TEST], built by the
 * same message builder as real sends: the same headers (List-Unsubscribe and its one-click POST,
 * List-Id, VERP return path), DKIM when configured. Its unsubscribe link is a signed test token
 * that every handler recognises and ignores. Nothing is queued and no subscriber is involved.
 */
export async function sendTest(t: TestSend): Promise<{ messageId: string; response: string; to: string }> {
  const { message, to } = buildTestMessage(t);
  const s = t.settings;
  const transport = createTransport({ url: t.smtpUrl, dkim: s.dkim });
  try {
    const info = await transport.sendMail({ envelope: message.envelope, raw: message.raw });
    return { messageId: message.messageId, response: String(info.response ?? ''), to };
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
