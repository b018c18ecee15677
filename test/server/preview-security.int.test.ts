import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen } from '../../src/server/listen.ts';
import { type PreviewServer, startPreview } from '../../src/server/preview/start.ts';
import { publicApp } from '../../src/server/public/app.ts';
import { launchChromium } from '../helpers/browser.ts';
import { ISSUES_DIR, PUBLIC_URL, TEMPLATES_DIR } from '../helpers/fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { freshStore, type TestStore } from '../helpers/stores.ts';

const SLUG = '2025-10-02-numero-37';
let tmp: string;
let sink: SmtpSink | undefined;
let preview: PreviewServer | undefined;
let browser: Browser | undefined;
let t: TestStore | undefined;
const others: Listening[] = [];
afterEach(async () => {
  await browser?.close();
  for (const o of others.splice(0)) await o.close();
  await preview?.close();
  await sink?.close();
  await t?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
  browser = preview = sink = t = undefined;
});

function copyIssues(): string {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-sec-'));
  for (const f of fs.readdirSync(ISSUES_DIR)) fs.copyFileSync(path.join(ISSUES_DIR, f), path.join(tmp, f));
  return tmp;
}

async function start(o: { testRecipients?: string[] | null; rate?: number } = {}) {
  sink = await startSmtpSink();
  preview = await startPreview({
    workspace: { issuesDir: copyIssues(), templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
    smtp: { url: sink.url },
    port: 0,
    host: '127.0.0.1',
    subscribers: async () => [
      { id: 'subscriber-7', email: 'vrai@example.kz', firstName: 'Dana', attributes: { city: 'Astana' } },
    ],
    testRecipients: o.testRecipients ?? null,
    testSendsPerMinute: o.rate ?? 10,
  });
  return preview;
}

/** The page's token, as the preview's own page holds it. */
async function pageToken(base: string): Promise<string> {
  const page = await (await fetch(`${base}/preview/${SLUG}`)).text();
  return /name="_token" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('the preview is no relay for other pages, and serves nothing outside issues/', () => {
  it('a page on another origin, opened in the editor’s browser, cannot make it send mail', async () => {
    const p = await start();
    const evil = await listen(
      new Hono().get('/', (c) =>
        c.html(`<form id="f" method="post" action="${p.url}/preview/${SLUG}/test">
<input name="to" value="victim@evil.example"><input name="reader" value="aigerim"></form>
<script>document.getElementById('f').submit()</script>`),
      ),
      0,
      '127.0.0.1',
    );
    others.push(evil);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.route('**/*', (r) =>
      r.request().url().startsWith(p.url) || r.request().url().startsWith(evil.url)
        ? r.continue()
        : r.abort(),
    );
    await page.goto(`${p.url}/preview/${SLUG}`); // the editor has the preview open
    const answer = page.waitForResponse((r) => r.url().endsWith(`/preview/${SLUG}/test`));
    await page.goto(evil.url);
    expect((await answer).status()).toBe(403);

    // Without the page's token, even from the same origin; with it from elsewhere: 403.
    const token = await pageToken(p.url);
    expect(token).toMatch(/^[\w-]{32}$/);
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${p.url}/preview/${SLUG}/test`, {
        method: 'POST',
        headers: { ...FORM, ...headers },
        body: form(body),
        redirect: 'manual',
      });
    expect((await post({ Origin: p.url }, { to: 'a@example.org' })).status).toBe(403);
    expect(
      (await post({ Origin: 'http://evil.example' }, { to: 'a@example.org', _token: token })).status,
    ).toBe(403);
    expect((await post({}, { to: 'a@example.org', _token: token })).status).toBe(403);
    expect(sink?.messages).toHaveLength(0);
    // The preview's own page, token and origin: it sends (303 back to the page).
    expect(
      (await post({ Origin: p.url }, { to: 'editrice@example.be', reader: 'aigerim', _token: token })).status,
    ).toBe(303);
    await sink?.waitFor(1);
    // A foreign Host (DNS rebinding) reads nothing.
    expect(await statusWithHost(`${p.url}/`, 'rebind.evil.example')).toBe(421);
    expect(await statusWithHost(`${p.url}/preview/${SLUG}`, 'rebind.evil.example:4173')).toBe(421);
  });

  it('caps test sends per minute, and sends a real subscriber’s data only to the team’s addresses', async () => {
    const p = await start({ testRecipients: ['editrice@example.be', 'equipe.example'], rate: 3 });
    const token = await pageToken(p.url);
    const post = (to: string, reader: string) =>
      fetch(`${p.url}/preview/${SLUG}/test`, {
        method: 'POST',
        headers: { ...FORM, Origin: p.url },
        body: form({ to, reader, _token: token }),
        redirect: 'manual',
      });
    const refused = await post('someone@else.example', 'subscriber-7');
    expect(decodeURIComponent(refused.headers.get('location') ?? '')).toContain(
      'someone@else.example is not in PREVIEW_TEST_RECIPIENTS',
    );
    expect((await post('editrice@example.be', 'subscriber-7')).status).toBe(303);
    expect((await post('qui@equipe.example', 'subscriber-7')).status).toBe(303);
    await sink?.waitFor(2);
    expect(sink?.messages.map((m) => m.envelope.to[0]).sort()).toEqual([
      'editrice@example.be',
      'qui@equipe.example',
    ]);
    expect(sink?.messages[0]?.parsed.html).toContain('Dana');
    expect((await post('editrice@example.be', 'aigerim')).status).toBe(429); // the 4th in a minute
    expect(sink?.messages).toHaveLength(2);
  });

  it('without PREVIEW_TEST_RECIPIENTS, a real subscriber’s data is never sent', async () => {
    const p = await start();
    const token = await pageToken(p.url);
    const res = await fetch(`${p.url}/preview/${SLUG}/test`, {
      method: 'POST',
      headers: { ...FORM, Origin: p.url },
      body: form({ to: 'anyone@example.org', reader: 'subscriber-7', _token: token }),
      redirect: 'manual',
    });
    expect(decodeURIComponent(res.headers.get('location') ?? '')).toContain(
      'goes only to the addresses in PREVIEW_TEST_RECIPIENTS',
    );
    expect(sink?.messages).toHaveLength(0);
  });

  it('a YAML alias bomb in one issue’s front matter is that issue’s error; the index lists the others', async () => {
    const p = await start();
    const lines = ['---', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`,
      );
    }
    fs.writeFileSync(
      path.join(tmp, '2099-12-31-bombe.md'),
      `${lines.join('\n')}\n---\n\n## Section\n\nTexte.\n`,
    );
    const res = await fetch(`${p.url}/`);
    expect(res.status).toBe(200);
    const index = await res.text();
    expect(index).toContain('2025-10-02-numero-37');
    expect(index).toContain('2026-02-12-numero-56');
    const page = await (await fetch(`${p.url}/preview/2099-12-31-bombe`)).text();
    expect(page).toContain('Excessive alias count');
  });

  it('serves no symlink whose target is outside issues/, survives a symlink loop, and a malformed escape is a 404', async () => {
    const p = await start();
    fs.writeFileSync(path.join(os.tmpdir(), 'numero-secret.png'), 'UNSUBSCRIBE_SECRET=leaked');
    fs.symlinkSync('/proc/self/environ', path.join(tmp, 'environ.png'));
    fs.symlinkSync(path.join(os.tmpdir(), 'numero-secret.png'), path.join(tmp, 'secret.png'));
    fs.symlinkSync(path.join(tmp, 'loop-a.png'), path.join(tmp, 'loop-b.png'));
    fs.symlinkSync(path.join(tmp, 'loop-b.png'), path.join(tmp, 'loop-a.png'));
    fs.symlinkSync('/etc/hostname', path.join(tmp, '2099-01-01-leak.md'));
    fs.writeFileSync(path.join(tmp, 'carte.png'), 'PNG');
    fs.symlinkSync(path.join(tmp, 'carte.png'), path.join(tmp, 'lien.png')); // inside: fine

    t = await freshStore('sqlite');
    const pub = await listen(
      publicApp({
        store: t.store,
        secret: 'x'.repeat(40),
        defaultLang: 'fr',
        rateLimitPerMinute: 100,
        workspace: { issuesDir: tmp, templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
      }),
      0,
      '127.0.0.1',
    );
    others.push(pub);
    for (const base of [p.url, pub.url]) {
      for (const f of [
        'environ.png',
        'secret.png',
        'loop-a.png',
        '%E0%A4%A.png',
        '..%2F..%2Fetc%2Fpasswd.png',
      ]) {
        const res = await fetch(`${base}/issues/files/${f}`);
        expect([base, f, res.status]).toEqual([base, f, 404]);
        expect(await res.text()).not.toContain('SECRET');
      }
      const ok = await fetch(`${base}/issues/files/lien.png`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-security-policy')).toContain('sandbox');
      expect((await fetch(`${base}/issues/2099-01-01-leak`)).status).toBe(404);
    }
    const index = await (await fetch(`${p.url}/`)).text();
    expect(index).not.toContain('2099-01-01-leak');
    expect((await fetch(`${p.url}/`)).status).toBe(200); // still up after the loop
  });
});
