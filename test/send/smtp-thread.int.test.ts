import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/send/classify.ts';
import type { OutgoingMessage } from '../../src/send/message.ts';
import { type SmtpSender, smtpThread } from '../../src/send/smtp-thread.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

/** A small message of its own: `id` in the subject and in every line, `lines` lines long. */
function message(id: string, to: string, lines = 20): OutgoingMessage {
  const body = Array.from({ length: lines }, (_, i) =>
    // A dot at the start of a line: the SMTP thread's stream must stuff it, the server unstuff it.
    i % 7 === 3 ? `.ligne ${i} de ${id}` : `ligne ${i} de ${id} ${'x'.repeat(60)}`,
  ).join('\r\n');
  const raw = Buffer.from(
    [
      'From: Lettre <lettre@example.org>',
      `To: ${to}`,
      `Subject: ${id}`,
      `Message-ID: <${id}@example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
  return { messageId: `<${id}@example.org>`, envelope: { from: 'bounces@example.org', to }, raw };
}

let sink: SmtpSink | null = null;
let sender: SmtpSender | null = null;
afterEach(async () => {
  await sender?.close();
  await sink?.close();
  sender = null;
  sink = null;
});

describe('the SMTP thread (src/send/smtp-thread.ts)', () => {
  it('delivers concurrent messages byte for byte, reusing its shared buffers without mixing them up', async () => {
    sink = await startSmtpSink({ delayMs: 5 });
    const s = smtpThread({ url: sink.url, poolSize: 3, messagesPerConnection: 100, dkim: null });
    sender = s;
    // Three rounds of 12 at once (the buffers of a round serve the next); one of 120 KB, more than
    // a buffer starts with; one whose envelope address (a Unicode domain) takes Nodemailer's full road.
    const rounds = [0, 1, 2].map((r) =>
      Array.from({ length: 12 }, (_, i) =>
        message(
          `r${r}m${i}`,
          i === 5 ? `lecteur${r}@bücher.example` : `lecteur${r}-${i}@example.org`,
          i === 7 ? 1_500 : 20,
        ),
      ),
    );
    for (const round of rounds) {
      const answers = await Promise.all(round.map((m) => s.send(m)));
      for (const a of answers) expect(a.response).toMatch(/^250/);
    }
    const got = await sink.waitFor(36);
    const byId = new Map(got.map((g) => [g.parsed.subject, g]));
    for (const m of rounds.flat()) {
      const g = byId.get(m.messageId.slice(1, m.messageId.indexOf('@')));
      expect(g, m.messageId).toBeDefined();
      expect(g?.raw.equals(m.raw), m.messageId).toBe(true);
      expect(g?.envelope.to).toEqual([m.envelope.to]);
    }
    expect(rounds.flat().some((m) => m.raw.byteLength > 65_536)).toBe(true);
  });

  it('rejects a refusal with the fields the send path classifies (code, command, response)', async () => {
    sink = await startSmtpSink({
      rcptTo: (rcpt) => (rcpt.startsWith('absent') ? { code: 550, message: '5.1.1 user unknown' } : null),
    });
    const s = smtpThread({ url: sink.url, poolSize: 1, messagesPerConnection: 100, dkim: null });
    sender = s;
    const refused = await s.send(message('refus', 'absent@example.org')).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    const verdict = classifySmtpError(refused as Error & { responseCode?: number });
    expect(verdict).toMatchObject({ kind: 'permanent', code: 550 });
    // The same connection goes on with the next reader.
    expect((await s.send(message('suivant', 'present@example.org'))).response).toMatch(/^250/);
  });

  it('fails the messages of a thread that died as a lost connection, and starts a new thread for the next', async () => {
    const s = smtpThread({
      url: 'smtp://127.0.0.1:1',
      poolSize: 1,
      messagesPerConnection: 100,
      dkim: null,
      entry: new URL('../fixtures/smtp-thread/dies.mjs', import.meta.url),
    });
    sender = s;
    const lost = await s.send(message('die', 'a@example.org')).catch((e: Error) => e);
    expect(lost).toMatchObject({ code: 'ECONNECTION' });
    expect(classifySmtpError(lost as Error)).toMatchObject({ kind: 'relay' });
    const m = message('vit', 'b@example.org');
    expect(await s.send(m)).toEqual({ response: `250 ok ${m.raw.byteLength}` });
  });

  it('refuses to send once closed', async () => {
    sink = await startSmtpSink();
    const s = smtpThread({ url: sink.url, poolSize: 1, messagesPerConnection: 100, dkim: null });
    await s.send(message('avant', 'a@example.org'));
    await s.close();
    await expect(s.send(message('après', 'a@example.org'))).rejects.toMatchObject({ code: 'ECONNECTION' });
  });
});
