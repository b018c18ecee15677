import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linksAndImages } from '../../src/check/links.ts';

let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('links and images of a personalised message', () => {
  it('names each with its text or alt and final URL, flags phishing-looking text, http, missing alt or size, big images, and marks the unsubscribe and web-version links', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-links-'));
    fs.writeFileSync(path.join(dir, 'carte.png'), Buffer.alloc(250 * 1024));
    const ctx = {
      unsubscribeUrl: 'https://lettre.example.org/unsubscribe/1.2.3.abc',
      browserUrl: 'https://lettre.example.org/issues/37',
      publicUrl: 'https://lettre.example.org',
      issuesDir: dir,
    };
    const html = `<p><a href="https://evil.example/login">https://www.mabanque.fr</a>
      <a href="http://example.kz/">un site</a> <a href="https://www.gov.kz/">https://www.gov.kz/</a>
      <img src="https://lettre.example.org/issues/files/carte.png" alt="Carte">
      <img src="https://cdn.example/logo.png" alt="" width="100" height="40">
      <a href="${ctx.unsubscribeUrl}">Se désabonner</a> <a href="${ctx.browserUrl}">Version web</a></p>`;
    const items = linksAndImages(html, ctx);
    expect(items.map((i) => [i.kind, i.text, i.role, i.problems.length])).toEqual([
      ['link', 'https://www.mabanque.fr', null, 1],
      ['link', 'un site', null, 1],
      ['link', 'https://www.gov.kz/', null, 0],
      ['image', 'Carte', null, 2],
      ['image', '', null, 1],
      ['link', 'Se désabonner', 'unsubscribe', 0],
      ['link', 'Version web', 'web version', 0],
    ]);
    expect(items[0]?.problems[0]).toBe(
      'the text shows www.mabanque.fr but the link goes to evil.example (looks like phishing)',
    );
    expect(items[1]?.problems[0]).toMatch(/^http: /);
    expect(items[3]?.problems).toEqual([
      'no width and height: the layout jumps when images load, and Outlook may show it at full size',
      '250 KB: over 200 KB, slow on a phone; resize or compress it',
    ]);
    expect(items[4]?.problems[0]).toMatch(/^no alt text/);
  });
});
