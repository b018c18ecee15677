import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/_shared/address.ts';

describe('parseAddress', () => {
  it('accepts ordinary, plus, quoted and IDN addresses, normalised to lower case (one reader whatever the letter case), sent as given', () => {
    expect(parseAddress(' Aigerim.N+lettre@Example.KZ ')).toEqual({
      ok: true,
      address: 'Aigerim.N+lettre@Example.KZ',
      normalized: 'aigerim.n+lettre@example.kz',
      domain: 'example.kz',
    });
    expect(parseAddress('"jean dupont"@example.be')).toMatchObject({ ok: true });
    expect(parseAddress('info@казахстан.kz')).toMatchObject({
      ok: true,
      normalized: 'info@xn--80aaa0anw0aiz.kz',
    });
    expect(parseAddress('léa@bücher.de')).toMatchObject({
      ok: false,
      reason: 'non-ASCII local part needs SMTPUTF8, not supported',
    });
  });

  it.each([
    ['', 'empty'],
    ['lecteur', 'no @'],
    ['@example.org', 'nothing before the @'],
    ['lecteur@', 'no domain after the @'],
    ['a..b@example.org', 'invalid local part "a..b"'],
    ['lecteur@localhost', 'domain "localhost" has no dot'],
    ['lecteur@exa_mple.org', 'invalid domain "exa_mple.org"'],
    ['lecteur@-example.org', 'invalid domain "-example.org"'],
    ['lecteur@example.123', 'invalid domain "example.123"'],
    ['lecteur@[127.0.0.1]', 'address literals ([1.2.3.4]) are not accepted'],
    [`${'a'.repeat(65)}@example.org`, 'local part longer than 64 characters'],
    [`a@${'b'.repeat(64)}.org`, `invalid domain "${'b'.repeat(64)}.org"`],
    ['a@example.org\r\nBcc: victim@example.org', 'contains a control character'],
    ['jean@example.com/x', 'invalid character "/" in domain "example.com/x"'],
    ['jean@example.com?x', 'invalid character "?" in domain "example.com?x"'],
    ['jean@example.com#x', 'invalid character "#" in domain "example.com#x"'],
    ['jean@exa\\mple.com', 'invalid character "\\" in domain "exa\\mple.com"'],
    [
      'jean@ｅxample.com',
      'domain "ｅxample.com" has compatibility characters (full-width letters, ligatures…)',
    ],
    ['jean@exa\u200Bmple.com', 'domain has a character that cannot be in a domain name (U+200B)'],
    ['jean@©.com', 'domain has a character that cannot be in a domain name (U+00A9)'],
    ['jéan@example.com', 'non-ASCII local part needs SMTPUTF8, not supported'],
  ])('rejects %j: %s', (input, reason) => {
    expect(parseAddress(input)).toEqual({ ok: false, reason });
  });
});
