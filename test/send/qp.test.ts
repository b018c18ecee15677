import { decode } from 'libqp';
import { describe, expect, it } from 'vitest';
import { type QpBody, qpBodySize, qpRun, writeQpBody } from '../../src/send/qp.ts';

/** The body as writeQpBody writes it. */
function written(body: QpBody): string {
  const out = Buffer.alloc(qpBodySize(body));
  expect(writeQpBody(body, out, 0)).toBe(out.length);
  return out.toString('latin1');
}
const bodyOf = (runs: string[]): QpBody => {
  const chunks = runs.map(qpRun);
  return { chunks, size: chunks.reduce((n, c) => n + c.length, 0) };
};
/** What a reader's client shows: line breaks as CRLF, the only canonical form of text/*. */
const canonical = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** Reproducible strings made of what breaks encoders: =, white space at line ends, CR, LF, long lines, UTF-8. */
function* samples(n: number): Generator<string> {
  const atoms = [
    ' ',
    '\t',
    '=',
    '\n',
    '\r\n',
    '\r',
    '.',
    'é',
    '€',
    '😀',
    '«\u00a0',
    'ab',
    'Bonjour',
    '-'.repeat(90),
    'x',
  ];
  let seed = 7;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  for (let i = 0; i < n; i++) {
    let s = '';
    const len = rnd(120);
    for (let j = 0; j < len; j++) s += atoms[rnd(atoms.length)];
    yield s;
  }
}

describe('quoted-printable runs', () => {
  it('decode, joined in any cut, to the text with CRLF line breaks', () => {
    let checked = 0;
    for (const text of samples(400)) {
      const chars = [...text];
      let cut = chars.length >> 1;
      // A CRLF is one line break; cut apart, its CR is a character of its own (=0D).
      if (chars[cut - 1] === '\r' && chars[cut] === '\n') cut++;
      const runs = [chars.slice(0, cut).join(''), '', chars.slice(cut).join('')];
      const body = written(bodyOf(runs));
      // The final CRLF precedes the next boundary and belongs to it (RFC 2046).
      expect(decode(body.slice(0, -2)).toString('utf8')).toBe(canonical(text).replace(/\r\n$/, ''));
      checked++;
    }
    expect(checked).toBe(400);
  });

  it('keep every line within 76 characters, in printable ASCII, never ending in white space', () => {
    for (const text of samples(400)) {
      const body = written(bodyOf([text, text.slice(3)]));
      expect(body.endsWith('\r\n')).toBe(true);
      for (const line of body.slice(0, -2).split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        expect(line).not.toMatch(/[ \t]$/);
        // `=` only ever starts an escape or a soft break.
        expect(line.replace(/=[0-9A-F]{2}/g, '')).toMatch(/^[^=]*=?$/);
      }
    }
  });

  it('ends a run with a soft break unless the text ends with a line break, and the body with neither `=` nor a blank', () => {
    expect(qpRun('a').toString()).toBe('a=\r\n');
    expect(qpRun('a\n').toString()).toBe('a\r\n');
    expect(qpRun('a ').toString()).toBe('a=20=\r\n');
    expect(qpRun('').length).toBe(0);
    expect(written(bodyOf(['Bonjour ', 'Léa', ','])).toString()).toBe('Bonjour=20=\r\nL=C3=A9a=\r\n,\r\n');
    expect(written(bodyOf([]))).toBe('\r\n');
  });

  it('never writes a sequence the MIME boundary contains (`=_`)', () => {
    for (const text of samples(200)) expect(written(bodyOf([text, '=_', text]))).not.toContain('=_');
  });
});
