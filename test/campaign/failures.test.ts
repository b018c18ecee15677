import { describe, expect, it } from 'vitest';
import {
  domainOf,
  isTransportBounce,
  matchesFilter,
  parseFailureFilter,
  replyKey,
} from '../../src/campaign/failures.ts';
import { NumeroError } from '../../src/errors.ts';

const row = (code: number | null, email: string) => ({ smtp_code: code, email });

describe('failure filters: what campaign show groups and campaign retry takes', () => {
  it('matches an exact code, a class, "none", and a domain (the last @ decides)', () => {
    const f = (code?: string, domain?: string) => parseFailureFilter({ code, domain });
    expect(matchesFilter(row(451, 'a@x.org'), f('451'))).toBe(true);
    expect(matchesFilter(row(421, 'a@x.org'), f('451'))).toBe(false);
    expect(matchesFilter(row(421, 'a@x.org'), f('4xx'))).toBe(true);
    expect(matchesFilter(row(550, 'a@x.org'), f('4XX'))).toBe(false);
    expect(matchesFilter(row(null, 'a@x.org'), f('4xx'))).toBe(false);
    expect(matchesFilter(row(null, 'a@x.org'), f('none'))).toBe(true);
    expect(matchesFilter(row(451, '"a@b"@x.org'), f(undefined, 'X.org'))).toBe(true);
    expect(matchesFilter(row(451, '"a@x.org"@b.org'), f(undefined, 'x.org'))).toBe(false);
    expect(matchesFilter(row(451, 'a@bücher.example'), f('451', 'xn--bcher-kva.example'))).toBe(false);
    expect(matchesFilter(row(451, 'a@xn--bcher-kva.example'), f('451', 'bücher.example'))).toBe(true);
    expect(matchesFilter(row(451, 'a@x.org'), f())).toBe(true);
    expect(domainOf('"x@y"@Example.ORG')).toBe('example.org');
  });

  it('refuses a filter it cannot read, naming the option', () => {
    expect(() => parseFailureFilter({ code: '45' })).toThrow(NumeroError);
    expect(() => parseFailureFilter({ code: '4.5.1' })).toThrow(
      /--code: expected a reply code \(451\), a class \(4xx\) or none/,
    );
    expect(() => parseFailureFilter({ domain: 'a b' })).toThrow(/--domain: not a domain name/);
  });

  it('groups replies that differ only by the recipient address', () => {
    expect(replyKey('550 5.1.1 <lecteur3@example.org>: Recipient address rejected')).toBe(
      replyKey('550 5.1.1 <lecteur9@example.org>: Recipient address rejected'),
    );
    expect(replyKey('550 5.1.1 user lecteur3@example.org unknown')).toBe('550 5.1.1 user … unknown');
    expect(replyKey(null)).toBe('(no reply)');
  });

  it('tells a bounce recorded for a relay that refused our credentials from a reader’s bounce', () => {
    const r = (code: number | null, text: string) => ({ smtp_code: code, smtp_response: text });
    expect(isTransportBounce(r(535, '535 5.7.8 Authentication credentials invalid'))).toBe(true);
    expect(isTransportBounce(r(530, '530 5.7.0 Authentication required'))).toBe(true);
    expect(isTransportBounce(r(550, '550 5.7.1 Message rejected: DMARC policy'))).toBe(false);
    expect(isTransportBounce(r(550, '550 5.1.1 User unknown'))).toBe(false);
  });
});
