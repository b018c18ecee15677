import { describe, expect, it } from 'vitest';
import type { CompiledIssue } from '../../src/render/compile.ts';
import { trackableLinks, withTracking } from '../../src/render/tracked-links.ts';

const PUBLIC = 'https://lettre.example.org';

function compiled(html: string, text = ''): CompiledIssue {
  return {
    slug: 's',
    template: 'weekly.tsx',
    engine: 'react',
    lang: 'fr',
    subject: 'S',
    preheader: 'P',
    html,
    text,
  };
}

const HTML = `<html><body>
<p><a href="https://kz.example/articles/1?a=1&amp;b=2" class="n-link" style="color:red">Le <strong>steppe</strong>
 en&nbsp;hiver</a></p>
<p><a href="https://video.example/watch?v=42"><img src="https://img.example/t.jpg" alt="La vidéo du Tian Shan"></a></p>
<p><a href="https://kz.example/articles/1?a=1&amp;b=2">encore</a></p>
<p><a href="mailto:redaction@example.org">écrire</a> <a href="#note-1">1</a>
<a href="https://kz.example/p?email={{url email}}">perso</a>
<a href="{{{unsubscribeUrl}}}">Se désabonner</a> <a href="{{preferencesUrl}}">Gérer</a>
<a href="${PUBLIC}/issues/s">web</a> <a href="${PUBLIC}/archive">Les anciens numéros</a></p>
</body></html>`;
const TEXT = `Le steppe en hiver [https://kz.example/articles/1?a=1&b=2]
La vidéo du Tian Shan [https://video.example/watch?v=42]
voir https://kz.example/articles/1?a=1&b=2 et https://autre.example/x.
Se désabonner [{{unsubscribeUrl}}]`;

describe('tracked links: which links of a numéro tracking rewrites (issue 23)', () => {
  it('lists the editor’s http(s) links once each, in the order of the issue, with the words a reader clicks', () => {
    const links = trackableLinks(compiled(HTML, TEXT), PUBLIC);
    expect(links).toEqual([
      { position: 1, url: 'https://kz.example/articles/1?a=1&b=2', text: 'Le steppe en hiver' },
      { position: 2, url: 'https://video.example/watch?v=42', text: 'La vidéo du Tian Shan' },
      { position: 3, url: `${PUBLIC}/archive`, text: 'Les anciens numéros' },
    ]);
  });

  it('rewrites them to /r/, leaves merge fields, mailto, anchors and numero’s own pages as they were, and adds the image only with opens', () => {
    const c = compiled(HTML, TEXT);
    const links = trackableLinks(c, PUBLIC);
    const t = withTracking(c, links, { publicUrl: `${PUBLIC}/`, campaignId: 40, opens: false });
    expect(t.html).toContain(
      `<a href="${PUBLIC}/r/14.1.{{numeroTrack}}" class="n-link" style="color:red">Le <strong>steppe</strong>`,
    );
    expect(t.html.match(/\/r\/14\.1\./g)).toHaveLength(2);
    expect(t.html).toContain(`href="${PUBLIC}/r/14.2.{{numeroTrack}}"><img`);
    for (const kept of [
      'href="mailto:redaction@example.org"',
      'href="#note-1"',
      'href="https://kz.example/p?email={{url email}}"',
      'href="{{{unsubscribeUrl}}}"',
      'href="{{preferencesUrl}}"',
      `href="${PUBLIC}/issues/s"`,
    ])
      expect(t.html).toContain(kept);
    expect(t.html).not.toContain('/o/');
    expect(t.text).toBe(`Le steppe en hiver [${PUBLIC}/r/14.1.{{numeroTrack}}]
La vidéo du Tian Shan [${PUBLIC}/r/14.2.{{numeroTrack}}]
voir ${PUBLIC}/r/14.1.{{numeroTrack}} et https://autre.example/x.
Se désabonner [{{unsubscribeUrl}}]`);
    const withOpens = withTracking(c, links, { publicUrl: PUBLIC, campaignId: 40, opens: true });
    expect(withOpens.html).toMatch(
      new RegExp(
        `<img src="${PUBLIC}/o/14\\.\\{\\{numeroTrack\\}\\}\\.gif" width="1" height="1" alt=""[^>]*/>\\s*</body></html>$`,
      ),
    );
  });

  it('changes nothing without links and without opens', () => {
    const c = compiled(HTML, TEXT);
    expect(withTracking(c, [], { publicUrl: PUBLIC, campaignId: 1, opens: false })).toEqual(c);
  });
});
