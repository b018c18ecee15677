import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/_shared/log.ts';
import { type InboundSmtp, startInboundSmtp } from '../../src/events/inbound-smtp.ts';
import { inboundSettings } from '../../src/events/start.ts';
import { createList, insertMemberships, membership, suppressedAmong } from '../../src/store/audience.ts';
import { createHarness, type Harness, sendIssue } from '../helpers/send-harness.ts';
import type { CapturedMessage } from '../helpers/smtp-sink.ts';

let h: Harness | undefined;
let inbound: InboundSmtp | undefined;
afterEach(async () => {
  await inbound?.close();
  inbound = undefined;
  await h?.dispose();
  h = undefined;
});

const BOUNCE_DOMAIN = 'bounce.lettre.example';

/** What the original's header block looks like in a bounce (Postfix returns the headers only). */
const headersOf = (m: CapturedMessage) => {
  const text = m.raw.toString('utf8');
  return text.slice(0, text.search(/\r?\n\r?\n/));
};

/** A DSN as Postfix writes it for a recipient the next hop does not know. */
function postfixDsn(m: CapturedMessage, rcpt: string): string {
  return [
    'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
    `To: ${m.envelope.from}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    `<${rcpt}>: host mx.example.org[192.0.2.10] said: 550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown`,
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    `Final-Recipient: rfc822; ${rcpt}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown`,
    '',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    headersOf(m),
    '',
    '--B--',
    '',
  ].join('\r\n');
}

function arfReport(m: CapturedMessage, rcpt: string): string {
  return [
    'From: feedback@fbl.example.net',
    `To: ${m.envelope.from}`,
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="F"',
    '',
    '--F',
    'Content-Type: text/plain',
    '',
    'This is an abuse report.',
    '',
    '--F',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${rcpt}`,
    '',
    '--F',
    'Content-Type: message/rfc822',
    '',
    m.raw.toString('utf8'),
    '--F--',
    '',
  ].join('\r\n');
}

describe('bounces, complaints and mailto unsubscribes through the inbound SMTP listener (real worker, Redis, SQLite)', () => {
  it('DSNs bounce and suppress, an ARF report closes every list, an auto-reply changes nothing, a mailto unsubscribes; the next campaign skips them', async () => {
    h = await createHarness({ readers: 6, env: { BOUNCE_DOMAIN } });
    const other = await createList(h.store.db, 'alertes');
    const r = (n: number) => h?.readers[n - 1] ?? { id: 0, email: '' };
    await insertMemberships(h.store.db, [
      { list_id: other.id, subscriber_id: r(2).id, status: 'active', source: 'test' },
    ]);

    const first = await sendIssue(h);
    await first.close();
    await h.startWorker();
    await h.waitForState(first.campaign.id, ['sent']);
    const sent = new Map(h.sink.messages.map((m) => [m.envelope.to[0] ?? '', m]));
    expect(sent.size).toBe(6);
    const msg = (n: number) => sent.get(r(n).email) as CapturedMessage;
    // The return path names the delivery with its MAC (src/_shared/delivery-ids.ts).
    expect(msg(1).envelope.from).toMatch(
      new RegExp(`^bounces\\+${first.campaign.id}\\.\\d+\\.[a-z2-7]{16}@${BOUNCE_DOMAIN}$`),
    );

    inbound = await startInboundSmtp({
      store: h.store,
      settings: inboundSettings(h.config),
      host: '127.0.0.1',
      port: 0,
      domains: [BOUNCE_DOMAIN, 'lettre.example.org'],
      maxBytes: 200_000,
      maxClients: 5,
      tls: null,
      log: createLogger('inbound-test', 'silent'),
    });
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: inbound.port,
      secure: false,
      ignoreTLS: true,
    });
    const deliver = (to: string, raw: string) =>
      mx.sendMail({ envelope: { from: 'MAILER-DAEMON@mx.example.org', to: [to] }, raw });

    await deliver(msg(1).envelope.from, postfixDsn(msg(1), r(1).email));
    await deliver(msg(3).envelope.from, postfixDsn(msg(3), r(3).email));
    await deliver(msg(2).envelope.from, arfReport(msg(2), r(2).email));
    await deliver(
      msg(4).envelope.from,
      [
        `From: Prénom4 <${r(4).email}>`,
        `To: ${msg(4).envelope.from}`,
        'Subject: Out of Office: Numéro 37',
        'Auto-Submitted: auto-replied',
        '',
        'Away until Monday.',
        '',
      ].join('\r\n'),
    );
    const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(msg(5).raw.toString('utf8'));
    expect(mailto?.[1]).toMatch(/^unsubscribe\+[a-z0-9.]+@lettre\.example\.org$/);
    await deliver(
      mailto?.[1] ?? '',
      `From: ${r(5).email}\r\nTo: ${mailto?.[1]}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n`,
    );

    const store = h.store;
    const status = async (n: number, listId = h?.listId ?? 0) => membership(store.db, listId, r(n).id);
    expect(await status(1)).toBe('bounced');
    expect(await status(3)).toBe('bounced');
    expect(await status(2)).toBe('complained');
    expect(await status(2, other.id)).toBe('complained');
    expect(await status(4)).toBe('active');
    expect(await status(5)).toBe('unsubscribed');
    expect(await status(6)).toBe('active');
    const suppressed = await suppressedAmong(
      h.store.db,
      [1, 2, 3, 4, 5, 6].map((n) => r(n).email),
    );
    expect([...suppressed.entries()].sort()).toEqual([
      [r(1).email, 'bounced'],
      [r(2).email, 'complained'],
      [r(3).email, 'bounced'],
    ]);

    // The same DSN again (a retrying MTA): recorded once, nothing more happens.
    const db = h.store.db;
    const events = async () => (await db.selectFrom('events').select('id').execute()).length;
    const before = await events();
    await deliver(msg(1).envelope.from, postfixDsn(msg(1), r(1).email));
    expect(await events()).toBe(before);

    // Never an open relay, and never a message past the size limit.
    await expect(deliver('someone@elsewhere.example', 'Subject: hi\r\n\r\nhi\r\n')).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(deliver(`postmaster@${BOUNCE_DOMAIN}`, 'Subject: hi\r\n\r\nhi\r\n')).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(
      deliver(msg(6).envelope.from, `Subject: big\r\n\r\n${'x'.repeat(300_000)}\r\n`),
    ).rejects.toMatchObject({ responseCode: 552 });
    expect(await status(6)).toBe('active');

    // The next numéro goes to the readers who are left: 4 (the auto-reply) and 6.
    h.sink.messages.length = 0;
    const second = await sendIssue(h, true);
    await second.close();
    await h.waitForState(second.campaign.id, ['sent']);
    expect(h.sink.messages.map((m) => m.envelope.to[0]).sort()).toEqual([r(4).email, r(6).email].sort());
    mx.close();
  });
});
