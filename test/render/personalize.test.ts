import { describe, expect, it } from 'vitest';
import type { CompiledIssue } from '../../src/render/compile.ts';
import { Personalizer } from '../../src/render/personalize.ts';

const links = { unsubscribeUrl: 'https://l.example/u/t?x=1', browserUrl: 'https://l.example/issues/37' };

function compiled(html: string, text = html, subject = 'Sujet', lang = 'fr'): CompiledIssue {
  return { slug: 's', template: 'weekly.tsx', engine: 'react', lang, subject, preheader: 'p', html, text };
}

describe('Personalizer', () => {
  it('escapes a hostile name in the HTML and leaves the text part plain', () => {
    const p = new Personalizer(compiled('<p>Bonjour {{firstName}}</p>', 'Bonjour {{firstName}}'));
    const out = p.fill({ email: 'x@example.org', firstName: '<script>alert(1)</script>' }, links);
    expect(out.html).toBe('<p>Bonjour &lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(out.html).not.toContain('<script>');
    expect(out.text).toBe('Bonjour <script>alert(1)</script>');
  });

  it('falls back when the first name is empty, per language and with the default helper', () => {
    const p = new Personalizer(compiled('{{firstName}}|{{default lastName "X"}}'));
    expect(p.fill({ email: 'a@b.c', firstName: '  ' }, links).html).toBe('chère lectrice, cher lecteur|X');
    const en = new Personalizer(compiled('{{firstName}}', '{{firstName}}', 's', 'en'));
    expect(en.fill({ email: 'a@b.c' }, links).html).toBe('reader');
  });

  it('fills links, email and subscriber attributes; an attribute cannot replace a built-in field', () => {
    const p = new Personalizer(compiled('<a href="{{unsubscribeUrl}}">{{city}} {{email}}</a>'));
    const out = p.fill(
      { email: 'a@b.c', attributes: { city: 'Almaty', unsubscribeUrl: 'https://evil.example' } },
      links,
    );
    expect(out.html).toBe('<a href="https://l.example/u/t?x&#x3D;1">Almaty a@b.c</a>');
  });

  it('personalises the subject without escaping and on one line', () => {
    const p = new Personalizer(compiled('', '', '{{firstName}}, le numéro 37'));
    expect(p.fill({ email: 'a@b.c', firstName: 'Zoé & co\r\nBcc: x' }, links).subject).toBe(
      'Zoé & co Bcc: x, le numéro 37',
    );
  });

  it('never re-runs the engine: one Personalizer serves many readers from the same sources', () => {
    const p = new Personalizer(compiled('<p>{{firstName}}</p>'));
    const names = ['Aigerim', 'Claire', 'Nursultan'];
    expect(names.map((n) => p.fill({ email: 'a@b.c', firstName: n }, links).html)).toEqual(
      names.map((n) => `<p>${n}</p>`),
    );
  });
});
