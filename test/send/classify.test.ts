import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/send/classify.ts';

describe('SMTP failures: the relay’s, or the reader’s', () => {
  it('classes failures of the session itself as the relay’s', () => {
    const relay = (e: Parameters<typeof classifySmtpError>[0]) => classifySmtpError(e).kind;
    expect(relay({ code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toBe(
      'relay',
    );
    expect(relay({ code: 'ETIMEDOUT', command: 'CONN', message: 'Connection timeout' })).toBe('relay');
    expect(
      relay({
        code: 'EPROTOCOL',
        command: 'CONN',
        responseCode: 421,
        response: '421 4.3.2 Service not available',
      }),
    ).toBe('relay');
    expect(
      relay({ code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 5.7.1 No service' }),
    ).toBe('relay');
    expect(relay({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' })).toBe(
      'relay',
    );
    expect(relay({ code: 'ETLS', command: 'CONN', message: 'Error initiating TLS' })).toBe('relay');
    const auth = classifySmtpError({
      code: 'EAUTH',
      command: 'AUTH PLAIN',
      responseCode: 535,
      response: '535 5.7.8 Bad credentials',
    });
    expect(auth).toMatchObject({ kind: 'relay', auth: true, code: 535 });
  });

  it('keeps replies about one recipient or message as the reader’s outcome', () => {
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'RCPT TO',
        responseCode: 550,
        response: '550 5.1.1 User unknown',
      }),
    ).toMatchObject({ kind: 'permanent', suppress: true });
    expect(
      classifySmtpError({
        code: 'EMESSAGE',
        command: 'DATA',
        responseCode: 451,
        response: '451 4.3.0 Temporary local problem',
      }).kind,
    ).toBe('transient');
    expect(
      classifySmtpError({
        code: 'EMESSAGE',
        command: 'DATA',
        responseCode: 454,
        response: '454 4.7.0 Throttled: rate exceeded',
      }).kind,
    ).toBe('throttled');
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'RCPT TO',
        responseCode: 550,
        response: '550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org',
      }),
    ).toMatchObject({ kind: 'permanent', policy: true, suppress: false, judgement: { fault: 'sender' } });
    expect(
      classifySmtpError({
        code: 'EMESSAGE',
        command: 'DATA',
        responseCode: 554,
        response: '554 5.7.1 Message rejected as spam',
      }),
    ).toMatchObject({ kind: 'permanent', policy: true, suppress: false });
  });

  it('takes a refusal before any recipient, or of the sender’s own address, as the sender’s', () => {
    // A misconfigured sender domain: every reader would get it, so it is nobody’s bounce.
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'MAIL FROM',
        responseCode: 553,
        response: '553 5.1.8 <bounces@lettre.example>: Sender address rejected: Domain not found',
      }),
    ).toMatchObject({ kind: 'sender', judgement: { fault: 'sender', kind: 'policy' } });
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'MAIL FROM',
        responseCode: 550,
        response: '550 5.7.1 Policy',
      }).kind,
    ).toBe('sender');
    // The same 5.1.x family at RCPT, when it is the sender's address that is refused.
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'RCPT TO',
        responseCode: 550,
        response: '550 5.1.7 Invalid sender address syntax',
      }).kind,
    ).toBe('sender');
    // And a reader's own dead address stays the reader's.
    expect(
      classifySmtpError({
        code: 'EENVELOPE',
        command: 'RCPT TO',
        responseCode: 550,
        response: '550 5.1.1 <lecteur@example.org>: Recipient address rejected: User unknown',
      }),
    ).toMatchObject({ kind: 'permanent', suppress: true, judgement: { fault: 'recipient' } });
  });
});
