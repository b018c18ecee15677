import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArticles, loadNewsletter } from '../../src/content/data.ts';

let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('newsletter.yml and articles.yml are data, never templates', () => {
  it('refuses merge fields in them, naming the file, line and field', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-data-'));
    fs.writeFileSync(
      path.join(dir, 'newsletter.yml'),
      'name: Quoi de neuf\npublisher: "Korner {{{name}}}"\npostalAddress: Bruxelles\nfrom: "K <k@x.example>"\n',
    );
    expect(() => loadNewsletter(dir)).toThrow(
      /newsletter\.yml:2: publisher: merge fields \(\{\{…\}\}\) are not allowed in this file: it is data, not a template$/,
    );
    fs.writeFileSync(
      path.join(dir, 'articles.yml'),
      '- id: a\n  headline: Titre\n  teaser: "{{#each this}}{{this}}{{/each}}"\n',
    );
    expect(() => loadArticles(dir)).toThrow(/articles\.yml:3: \[0\]\.teaser: merge fields/);
    fs.writeFileSync(
      path.join(dir, 'articles.yml'),
      '- id: a\n  headline: Titre\n  teaser: T\n  url: "javascript:alert(1)"\n',
    );
    expect(() => loadArticles(dir)).toThrow(
      /articles\.yml:4: \[0\]\.url: expected an absolute https:\/\/ \(or http:\/\/\) URL/,
    ); // The url: field is data too, written with braces or percent-encoded (a reader named
    // `x" autofocus onfocus="…"` once ran script through one).
    for (const url of [
      'https://x.example/?q={{firstName}}',
      'https://x.example/%7B%7Bname%7D%7D',
      'https://x.example/{{{name}}}',
    ]) {
      fs.writeFileSync(
        path.join(dir, 'articles.yml'),
        `- id: a\n  headline: Titre\n  teaser: T\n  url: "${url}"\n`,
      );
      expect(() => loadArticles(dir)).toThrow(
        /articles\.yml:4: \[0\]\.url: merge fields \(\{\{…\}\}\) and braces are not allowed/,
      );
    }
  });
});
