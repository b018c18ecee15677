import { describe, expect, it } from 'vitest';
import { NBSP, NNBSP, typeset } from '../../src/content/typography.ts';

const fr = (s: string) => typeset(s, 'fr');

describe('French typography', () => {
  it('puts a narrow no-break space before ; ! ? and replaces a normal one', () => {
    expect(fr('Quoi de neuf ?')).toBe(`Quoi de neuf${NNBSP}?`);
    expect(fr('Vraiment?')).toBe(`Vraiment${NNBSP}?`);
    expect(fr('Bravo ! Et ensuite ; la suite')).toBe(`Bravo${NNBSP}! Et ensuite${NNBSP}; la suite`);
    expect(fr('Quoi ?!')).toBe(`Quoi${NNBSP}?!`);
  });

  it('puts a no-break space before a colon that ends a word, not inside times or URLs', () => {
    expect(fr('Objectif : agir')).toBe(`Objectif${NBSP}: agir`);
    expect(fr('Objectif: agir')).toBe(`Objectif${NBSP}: agir`);
    expect(fr('de 7h00 à 10:30')).toBe(`de 7h00${NBSP}à 10:30`);
    expect(fr('voir https://example.org/?a=b&c=d ici')).toBe('voir https://example.org/?a=b&c=d ici');
  });

  it('turns straight quotes into « » with narrow no-break spaces inside', () => {
    expect(fr('une "fabrique d’idées"')).toBe(`une «${NNBSP}fabrique d’idées${NNBSP}»`);
    expect(fr('un « naukograd »')).toBe(`un «${NNBSP}naukograd${NNBSP}»`);
  });

  it('curls apostrophes and keeps the non-breaking hyphen', () => {
    expect(fr("l'Union d'Asie")).toBe('l’Union d’Asie');
    expect(fr('FVFV‑II et TJ‑IX')).toBe('FVFV\u2011II et TJ\u2011IX');
  });

  it('never breaks inside a number and ties a number to what it counts', () => {
    expect(fr('120.000 tonnes')).toBe(`120.000${NBSP}tonnes`);
    expect(fr('8 000 utilisateurs')).toBe(`8${NNBSP}000${NBSP}utilisateurs`);
    expect(fr('plus de 60 %')).toBe(`plus de 60${NBSP}%`);
    expect(fr('1,5 milliard')).toBe(`1,5${NBSP}milliard`);
  });

  it('ties a spaced dash to the word before it', () => {
    expect(fr('Almaty, 28 mars 2025 – Le président')).toBe(`Almaty, 28${NBSP}mars 2025${NBSP}– Le président`);
  });

  it('leaves merge fields exactly as written', () => {
    expect(fr('Bonjour {{default firstName "ami"}} !')).toBe(`Bonjour {{default firstName "ami"}}${NNBSP}!`);
  });
});

describe('English typography', () => {
  it('only curls quotes and apostrophes', () => {
    expect(typeset(`What's "new"? Now: this!`, 'en')).toBe('What’s “new”? Now: this!');
  });
});
