import { describe, expect, it } from 'vitest';
import { displayName, inboxRows } from '../../src/check/inbox.ts';

describe('the inbox line', () => {
  it('cuts sender, subject and preheader per client and device, with an ellipsis, and says what was cut', () => {
    const rows = inboxRows({
      from: '"Quoi de neuf au Kazakhstan ?" <lettre@lettre.example>',
      subject: 'Le Kazakhstan veut devenir un hub mondial de l’intelligence artificielle',
      preheader:
        'Alem.ai à Astana, un deuxième supercalculateur et le « venture mindset » des investisseurs.',
    });
    const by = (c: string, d: string) => rows.find((r) => r.client === c && r.device === d);
    expect(by('Gmail', 'phone')).toMatchObject({
      from: 'Quoi de neuf au Kazakhs…', // 24 characters with the ellipsis
      subject: 'Le Kazakhstan veut devenir un hub…',
      cut: { from: true, subject: true, preheader: true },
    });
    expect([...(by('Gmail', 'phone')?.subject ?? '')].length).toBe(34);
    // Gmail on the web: subject and preheader share one line.
    const web = by('Gmail', 'desktop');
    expect(web?.cut.subject).toBe(false);
    expect([...(web?.subject ?? '')].length + [...(web?.preheader ?? '')].length).toBeLessThanOrEqual(127);
    expect(by('Apple Mail', 'desktop')?.cut.preheader).toBe(false);
    expect(displayName('Bruxelles Korner <a@b.c>')).toBe('Bruxelles Korner');
  });
});
