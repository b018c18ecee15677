import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/_shared/address.ts';
import { openCsv } from '../../src/audience/csv-source.ts';
import { parseIssue } from '../../src/content/parse.ts';
import { findAddresses } from '../../src/events/addresses.ts';
import { classifyMessage } from '../../src/events/classify.ts';
import { parseMime } from '../../src/events/mime.ts';
import { judge } from '../../src/events/policy.ts';

/**
 * Every parser numero runs on untrusted text, fed 1 MB written to make a careless one slow (a
 * quadratic regex, a parser that recurses or rescans): each must finish in under a second of CPU
 * (CPU time of this process, so a loaded machine does not make it flaky). A quadratic one takes
 * minutes at this size.
 */
const MB = 1024 * 1024;
const cpuMs = (fn: () => unknown) => {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};
const cpuMsAsync = async (fn: () => Promise<unknown>) => {
  const t = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};

const bounce = (body: string) =>
  `From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n${body}`;

const HOSTILE_BODIES: Record<string, string> = {
  'a run of local-part characters, no @': 'a'.repeat(MB),
  'local-part characters then a lone @': `${'a.'.repeat(MB / 2)}@`,
  'many @ with nothing around': '@'.repeat(MB),
  'dotted labels without end': `x@${'a.'.repeat(MB / 2)}`,
  'one address after every character': 'a@b.cc '.repeat(MB / 7),
  'status codes and reply codes': '550 5.1.1 '.repeat(MB / 10),
  'digits and dots': '5.5.5.'.repeat(MB / 6),
  'a line of angle brackets': '<'.repeat(MB),
  'fake boundaries': '--x\r\n'.repeat(MB / 5),
  'header-like lines': 'Final-Recipient: rfc822; '.repeat(MB / 25),
  'quoted forward': '> '.repeat(MB / 2),
  urls: 'http://'.repeat(MB / 7),
};

describe('parsers of untrusted text stay linear on 1 MB of adversarial input', () => {
  it.each(Object.entries(HOSTILE_BODIES))('the bounce classifier: %s', (_, body) => {
    const raw = bounce(body);
    expect(raw.length).toBeGreaterThan(MB - 10);
    expect(cpuMs(() => classifyMessage(raw))).toBeLessThan(1000);
  });

  it('a 120 KB bounce is classified in well under the time a person notices', () => {
    const raw = bounce(`${'a.'.repeat(60_000)}\r\n<lecteur@example.org>: 550 5.1.1 User unknown\r\n`);
    expect(cpuMs(() => classifyMessage(raw))).toBeLessThan(100);
  });

  it('the address finder, the address parser and the failure policy', () => {
    expect(cpuMs(() => findAddresses('a'.repeat(MB)))).toBeLessThan(1000);
    expect(cpuMs(() => findAddresses(`${'a-'.repeat(MB / 2)}@`))).toBeLessThan(1000);
    expect(cpuMs(() => parseAddress(`${'a.'.repeat(MB / 2)}@example.org`))).toBeLessThan(1000);
    expect(cpuMs(() => parseAddress(`x@${'a-'.repeat(MB / 2)}`))).toBeLessThan(1000);
    expect(cpuMs(() => judge({ status: '5.1.1', reply: 550, text: 'user '.repeat(MB / 5) }))).toBeLessThan(
      1000,
    );
  });

  it('the MIME reader: a 1 MB folded header, 100,000 headers, a deep multipart', () => {
    expect(cpuMs(() => parseMime(`Subject: ${'x\r\n '.repeat(MB / 4)}\r\n\r\nbody`))).toBeLessThan(1000);
    expect(cpuMs(() => parseMime(`${'X-A: b\r\n'.repeat(MB / 8)}\r\nbody`))).toBeLessThan(1000);
    let nested = 'text';
    for (let i = 0; i < 2000; i++)
      nested = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`;
    expect(cpuMs(() => parseMime(nested))).toBeLessThan(1000);
  });

  it('the CSV reader: a 1 MB line of quotes, a 1 MB cell of delimiters', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-hostile-csv-'));
    try {
      for (const [name, text] of [
        ['quotes.csv', `email,name\r\na@example.org,"${'"'.repeat(MB)}\r\nb@example.org,B\r\n`],
        ['delims.csv', `email,name\r\na@example.org,"${','.repeat(MB)}"\r\nb@example.org,B\r\n`],
      ] as const) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        const ms = await cpuMsAsync(async () => {
          const csv = await openCsv(file);
          try {
            for await (const _ of csv.records(() => {})) {
              // read every record
            }
          } finally {
            csv.close();
          }
        });
        expect([name, ms < 1000]).toEqual([name, true]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bounded Markdown: check refuses what would stall the parser, with the line', () => {
  const ctx = {
    newsletter: { name: 'x', from: 'x <x@x.example>', lang: 'fr' },
    articles: new Map(),
    templates: ['weekly.tsx'],
  };
  const FM =
    '---\nnumero: 1\ndate: 2026-12-05\ntitle: T\nsubject: S\npreheader: P\nauthor: A\n---\n\n## Section\n\n';
  const parse = (body: string) => parseIssue(FM + body, 'issues/x.md', 'x', ctx as never);
  const firstError = (body: string) => parse(body).diagnostics.find((d) => d.severity === 'error');

  it('10,000 nested list levels: refused in under a second (by size); 1,000 at the line that goes too deep', () => {
    const nestedList = (n: number) =>
      Array.from({ length: n }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    let d: ReturnType<typeof firstError>;
    expect(cpuMs(() => (d = firstError(nestedList(10_000))))).toBeLessThan(1000);
    expect(d?.field).toMatch(/^(size|nesting)$/);
    expect(cpuMs(() => (d = firstError(nestedList(1_000))))).toBeLessThan(1000);
    expect(d).toMatchObject({ field: 'nesting', line: 12 + 40 });
    expect(d?.message).toMatch(/nested 21 levels deep on line 52: at most 20/);
    // Markers chained on one line nest as deep.
    expect(firstError(`${'- '.repeat(5_000)}item`)).toMatchObject({ field: 'nesting', line: 12 });
  });

  it('10,000 nested quotes: refused, no stack overflow', () => {
    const d = firstError(`${'>'.repeat(10_000)} deep`);
    expect(d).toMatchObject({ field: 'nesting', line: 12 });
  });

  it('200,000 brackets or emphasis markers: refused, naming the paragraph', () => {
    expect(cpuMs(() => firstError('['.repeat(200_000)))).toBeLessThan(1000);
    expect(firstError(`text\n${'*a'.repeat(5_000)}`)).toMatchObject({ field: 'markup', line: 12 });
  });

  it('a 20 MB issue and a 1 MB line: refused by size, before any parsing', () => {
    const big = 'word '.repeat(4 * MB);
    let d: ReturnType<typeof firstError>;
    expect(cpuMs(() => (d = firstError(big)))).toBeLessThan(1000);
    expect(d).toMatchObject({ field: 'size', line: 1 });
    expect(firstError('w'.repeat(MB))).toMatchObject({ field: 'line', line: 12 });
  });

  it('an issue file whose name is not a plain name (`...md`, `.md`) is refused: it would write outside out/', () => {
    for (const slug of ['..', '.', '.hidden', '-x', 'a/b', 'a..b'])
      expect([slug, parseIssue(FM, `issues/${slug}.md`, slug, ctx as never).diagnostics[0]?.field]).toEqual([
        slug,
        'file name',
      ]);
    expect(
      parseIssue(
        `${FM}Text.`,
        'issues/2026-12-05-numero-60.md',
        '2026-12-05-numero-60',
        ctx as never,
      ).diagnostics.filter((d) => d.field === 'file name'),
    ).toEqual([]);
  });

  it('what authors write stays within the bounds: code blocks with deep indentation, long tables', () => {
    const code = `\`\`\`js\n${Array.from({ length: 60 }, (_, i) => `${' '.repeat(i * 2)}call_${i}();`).join('\n')}\n\`\`\``;
    const table = `| a_b | c_d |\n|---|---|\n${'| x_y | *z* |\n'.repeat(200)}`;
    const nested = '- a\n  - b\n    - c\n      - d\n        > quote\n';
    for (const body of [code, table, nested])
      expect(
        parse(body).diagnostics.filter((x) => ['nesting', 'markup', 'line', 'size'].includes(x.field ?? '')),
      ).toEqual([]);
  });
});
