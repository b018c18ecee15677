import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseMailbox } from '../../src/_shared/address.ts';
import {
  deliveryMac,
  mintMessageId,
  mintReturnPath,
  readMessageId,
  readReturnPath,
  verifyClaim,
} from '../../src/_shared/delivery-ids.ts';
import { unsubscribeLinks } from '../../src/audience/list-unsubscribe.ts';
import { loadConfig } from '../../src/config.ts';
import { buildMessage, listIdLabel } from '../../src/send/message.ts';
import { encodeContent } from '../../src/send/prepared.ts';

const parts = (from: string, listName: string) => ({
  messageId: mintMessageId(3, 42, deliveryMac('s'.repeat(40), 3, 42, '0a1b2c3d4e5f'), 'x.example'),
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
  returnPath: mintReturnPath(3, 42, deliveryMac('s'.repeat(40), 3, 42, '0a1b2c3d4e5f'), 'x.example'),
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

  it('Message-IDs and return paths carry a per-delivery MAC: stable per delivery, different across installations, unforgeable from another copy', () => {
    const secret = 's'.repeat(40);
    const mac = deliveryMac(secret, 1, 1, 'aaaaaaaaaaaa');
    expect(mac).toMatch(/^[a-z2-7]{16}$/);
    expect(mintMessageId(1, 1, mac, 'x.example')).toBe(`<numero.c1.d1.${mac}@x.example>`);
    expect(deliveryMac(secret, 1, 1, 'aaaaaaaaaaaa')).toBe(mac); // stable across retries
    expect(deliveryMac(secret, 1, 1, 'bbbbbbbbbbbb')).not.toBe(mac); // another database
    expect(deliveryMac('t'.repeat(40), 1, 1, 'aaaaaaaaaaaa')).not.toBe(mac); // another installation
    expect(deliveryMac(secret, 1, 2, 'aaaaaaaaaaaa')).not.toBe(mac); // the next reader's
    const verp = mintReturnPath(123456789012, 123456789012, mac, 'bounces.x.example');
    expect(verp.split('@')[0]?.length).toBeLessThanOrEqual(64);
    expect(readReturnPath(verp)).toEqual({
      signed: { campaignId: 123456789012, deliveryId: 123456789012, mac },
    });
    expect(readReturnPath(verp.toUpperCase())).toEqual(readReturnPath(verp)); // a local part lower-cased or not
    expect(readMessageId(mintMessageId(1, 1, mac, 'x.example'))).toEqual({
      signed: { campaignId: 1, deliveryId: 1, mac },
    });
    expect(verifyClaim(secret, { campaignId: 1, deliveryId: 1, mac }, 'aaaaaaaaaaaa')).toBe(true);
    expect(verifyClaim(secret, { campaignId: 1, deliveryId: 2, mac }, 'aaaaaaaaaaaa')).toBe(false);
    // The formats of old are read as legacy claims, to be matched strictly.
    expect(readReturnPath('bounces+12.345@b.example')).toEqual({
      legacy: { campaignId: 12, subscriberId: 345 },
    });
    expect(readMessageId('<numero.c12.d9876.k3yk3y@lettre.example>')).toEqual({
      legacy: { campaignId: 12, deliveryId: 9876, messageId: '<numero.c12.d9876.k3yk3y@lettre.example>' },
    });
    expect(readReturnPath('unsubscribe+abc@b.example')).toBeNull();
    expect(readReturnPath('bounces+999999999999999.1@b.example')).toBeNull();
  });
});
