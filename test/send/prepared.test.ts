import { decode } from 'libqp';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { unsubscribeLinks } from '../../src/audience/list-unsubscribe.ts';
import type { CompiledIssue } from '../../src/render/compile.ts';
import { fillWhole, Personalizer, type Reader } from '../../src/render/personalize.ts';
import { buildMessage } from '../../src/send/message.ts';
import { PreparedIssue } from '../../src/send/prepared.ts';
import { compileRepoFile, issuesAndRenderFixtures } from '../helpers/fixtures.ts';

const links = {
  unsubscribeUrl: 'https://lettre.example.org/unsubscribe/1.2.3.abc',
  browserUrl: 'https://lettre.example.org/issues/x',
};

/** Readers whose values break encoders and escaping: =, markup, long, non-ASCII, white space, line breaks. */
const READERS: Reader[] = [
  { email: 'lea@example.org', firstName: 'Léa', lastName: 'Dupont' },
  { email: 'a=b@example.org', firstName: '<script>alert("=")</script>', lastName: '&amp; =3D' },
  { email: 'z@example.org', firstName: `Zoé${'ë'.repeat(120)}`, lastName: ' trailing ' },
  {
    email: 'emoji@example.org',
    firstName: '😀 ',
    lastName: 'Ñandú\nSecond line',
    attributes: { city: 'Almaty\r\n=' },
  },
  { email: 'anon@example.org' },
  {
    email: 'json@example.org',
    firstName: '0',
    attributes: {
      n: 0,
      f: false,
      t: true,
      nil: null,
      list: ['a', '<b>'],
      nested: { city: 'Öskemen & co' },
      constructor: 'c',
      __proto__: 'p',
      toString: 'x',
      email: 'spoof@example.org',
    },
  },
];

/** The two parts as a mail client reads them from the message numero sends. */
async function received(content: ReturnType<PreparedIssue['fill']>) {
  const { raw } = buildMessage({
    messageId: '<t@example.org>',
    campaignId: '1',
    subscriberId: '1',
    listName: 'lecteurs',
    from: 'Lettre <lettre@example.org>',
    to: { name: null, address: 'lea@example.org' },
    content,
    unsubscribe: unsubscribeLinks(
      { listId: 1, subscriberId: 1, campaignId: '1' },
      { secret: 's'.repeat(40), publicUrl: 'https://lettre.example.org', mailtoDomain: null },
    ),
    domain: 'example.org',
    returnPath: 'bounces+1.1.abcdefghijklmnop@example.org',
  });
  const m = await simpleParser(raw);
  // The parts as their bytes decode (libqp, not mailparser's text, which also reflows format=flowed).
  const text = raw.toString('latin1');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
  const [, plain, html] = text.split(`--${boundary}`);
  const body = (part = '') => decode(part.slice(part.indexOf('\r\n\r\n') + 4, -2)).toString('utf8');
  expect(lf(String(m.html))).toBe(lf(body(html)));
  return { html: body(html), text: body(plain), subject: m.subject ?? '', raw: text };
}
/** What Handlebars gives for each part compiled whole, as one template: the reference. */
function whole(compiled: CompiledIssue, reader: Reader) {
  const ctx = new Personalizer(compiled).context(reader, links);
  return {
    html: fillWhole('html', compiled.html, ctx),
    text: fillWhole('text', compiled.text, ctx),
    subject: fillWhole('text', compiled.subject, ctx).replace(/[\r\n]+/g, ' '),
  };
}
const lf = (s: string) => s.replace(/\r\n/g, '\n').replace(/\n+$/, '');

describe('a prepared issue', () => {
  it('gives every reader, in every repo issue and template, exactly what Handlebars gives for the whole template', async () => {
    let compared = 0;
    for (const file of issuesAndRenderFixtures().slice(0, 6))
      for (const template of ['weekly.tsx', 'weekly.mjml']) {
        const { compiled } = await compileRepoFile(file, template);
        const personalizer = new Personalizer(compiled);
        const prepared = new PreparedIssue(compiled);
        // The fast path is taken: the merge fields are pieces of their own, not the whole template.
        expect(
          prepared.personalizer.pieces('html').filter((p) => typeof p === 'function').length,
        ).toBeGreaterThan(1);
        for (const reader of READERS) {
          const want = whole(compiled, reader);
          // The preview and the web version fill from the same pieces: held to the same reference.
          expect(personalizer.fill(reader, links)).toEqual(want);
          const got = await received(prepared.fill(reader, links));
          expect(lf(got.html), `${file} ${template}`).toBe(lf(want.html));
          expect(lf(got.text)).toBe(lf(want.text));
          expect(got.subject).toBe(want.subject);
          compared++;
        }
      }
    expect(compared).toBe(6 * 2 * READERS.length);
  });

  it('cuts fields, blocks, white-space control and comments as Handlebars reads them', async () => {
    const sources = [
      '<p>Bonjour   {{~firstName~}}   ,</p>\n{{! a comment }}\n{{{email}}}={{url email}}',
      '{{#if lastName}}Cher {{firstName}} {{lastName}}{{else}}Bonjour{{/if}} !',
      '{{default city "Astana"}} · {{attributes.city}}',
      '{{n}}|{{f}}|{{t}}|{{nil}}|{{list}}|{{{list}}}|{{nested.city}}|{{{nested.city}}}|{{nested}}|{{constructor}}|{{__proto__}}|{{toString}}|{{valueOf}}|{{email.length}}|{{missing.deep.path}}|{{firstName.length}}|{{this.email}}|{{./email}}|{{lookup this "email"}}|{{@root.email}}|{{url}}|{{[n]}}|{{list.[1]}}',
      '<ul>\n  {{#each attributes}}\n  <li>{{@key}}={{this}}</li>\n  {{/each}}\n</ul>\n{{#if city}}\n  {{city}}\n{{/if}}',
    ];
    for (const html of sources) {
      const compiled: CompiledIssue = {
        ...(await compileRepoFile(issuesAndRenderFixtures()[0] as string)).compiled,
        html,
        text: html,
      };
      const want = (reader: Reader) => whole(compiled, reader);
      const prepared = new PreparedIssue(compiled);
      for (const reader of READERS) {
        const got = await received(prepared.fill(reader, links));
        expect(lf(got.html)).toBe(lf(want(reader).html));
        expect(lf(got.text)).toBe(lf(want(reader).text));
      }
    }
    const base = (await compileRepoFile(issuesAndRenderFixtures()[0] as string)).compiled;
    // The block is a piece of its own; the text after it is fixed.
    expect(new PreparedIssue({ ...base, html: sources[1] as string }).personalizer.pieces('html')).toEqual([
      expect.any(Function),
      ' !',
    ]);
  });

  it('sends both parts as quoted-printable within 76 columns', async () => {
    const { compiled } = await compileRepoFile(issuesAndRenderFixtures()[0] as string);
    const got = await received(new PreparedIssue(compiled).fill(READERS[2] as Reader, links));
    expect(got.raw.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
    const body = got.raw.slice(got.raw.indexOf('\r\n\r\n'));
    for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
  });
});
