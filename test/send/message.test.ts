import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseMailbox } from '../../src/_shared/address.ts';
import { unsubscribeLinks } from '../../src/audience/list-unsubscribe.ts';
import { loadConfig } from '../../src/config.ts';
import { buildMessage, listIdLabel, messageIdFor } from '../../src/send/message.ts';
import { encodeContent } from '../../src/send/prepared.ts';

const parts = (from: string, listName: string) => ({
  messageId: messageIdFor(3, 42, 'x.example', '0a1b2c3d4e5f'),
  campaignId: '3',
  subscriberId: '7',
  listName,
  from,
  to: { name: 'Léa', address: 'lea@example.be' },
  content: encodeContent({ subject: 'Sujet', html: '<p>Bonjour</p>', text: 'Bonjour' }),
  unsubscribe: unsubscribeLinks(
    { listId: 1, subscriberId: 7, campaignId: '3' },
    { secret: 's'.repeat(40), publicUrl: 'https://lettre.x.example', mailtoDomain: null },
  ),
  domain: 'x.example',
  bounceDomain: 'x.example',
});

describe('message headers that mailbox providers parse', () => {
  it('quotes a display name with a comma, so From is one mailbox', async () => {
    const m = await simpleParser(buildMessage(parts('Korner, Bruxelles <lettre@x.example>', 'lecteurs')).raw);
    expect(m.from?.value).toEqual([{ name: 'Korner, Bruxelles', address: 'lettre@x.example' }]);
    const quoted = await simpleParser(buildMessage(parts('"Dupont \\"Jr\\", Léa" <l@x.example>', 'l')).raw);
    expect(quoted.from?.value).toEqual([{ name: 'Dupont "Jr", Léa', address: 'l@x.example' }]);
    expect(parseMailbox('lettre@x.example')).toEqual({ name: null, address: 'lettre@x.example' });
  });

  it('derives a valid List-Id from any list name, and adds Feedback-ID', async () => {
    const raw = buildMessage(parts('Bruxelles Korner <lettre@x.example>', 'a..b')).raw.toString();
    expect(raw).toMatch(/^List-Id: <a-b\.x\.example>\r$/m);
    expect(raw).toMatch(/^Feedback-ID: c3:a-b:numero:x\.example\r$/m);
    expect(listIdLabel('Lecteurs 2026!')).toBe('lecteurs-2026');
    expect(listIdLabel('..')).toBe('list');
  });

  it('advertises the mailto unsubscribe only when UNSUBSCRIBE_MAILTO_DOMAIN is set', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://lettre.x.example' }).unsubscribeMailtoDomain).toBeNull();
    const raw = buildMessage(parts('B <l@x.example>', 'l')).raw.toString();
    expect(raw).not.toContain('mailto:');
    expect(loadConfig({ UNSUBSCRIBE_MAILTO_DOMAIN: 'lettre.x.example' }).unsubscribeMailtoDomain).toBe(
      'lettre.x.example',
    );
  });

  it('Message-IDs carry the campaign’s random key: stable per delivery, different across installations', () => {
    expect(messageIdFor(1, 1, 'x.example', 'aaaaaaaaaaaa')).toBe('<numero.c1.d1.aaaaaaaaaaaa@x.example>');
    expect(messageIdFor(1, 1, 'x.example', 'aaaaaaaaaaaa')).not.toBe(
      messageIdFor(1, 1, 'x.example', 'bbbbbbbbbbbb'),
    );
  });
});
