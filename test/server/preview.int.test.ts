import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIssueFiles } from '../../src/content/load.ts';
import { typeset } from '../../src/content/typography.ts';
import { type PreviewServer, startPreview } from '../../src/server/preview/start.ts';
import { subscriberReaders } from '../../src/server/preview/subscribers.ts';
import { createList, insertMemberships, insertSubscribers } from '../../src/store/audience.ts';
import { confine, launchChromium } from '../helpers/browser.ts';
import { ISSUES_DIR, PUBLIC_URL, ROOT, sourceHeadings, TEMPLATES_DIR } from '../helpers/fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { freshStore } from '../helpers/stores.ts';

const SLUG = '2025-10-02-numero-37';
let tmp: string;
let file: string;
let original: string;
let sink: SmtpSink;
let server: PreviewServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-preview-'));
  for (const f of fs.readdirSync(ISSUES_DIR)) fs.copyFileSync(path.join(ISSUES_DIR, f), path.join(tmp, f));
  file = path.join(tmp, `${SLUG}.md`);
  original = fs.readFileSync(file, 'utf8');
  sink = await startSmtpSink();
  server = await startPreview({
    workspace: { issuesDir: tmp, templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
    smtp: { url: sink.url },
    port: 0,
    host: '127.0.0.1',
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await confine(page, server.url); // only the preview server is reachable from the page
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sink?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const headings = () => sourceHeadings(file).map((h) => typeset(h, 'fr'));
const desktop = () => page.frameLocator('iframe[name="desktop"]');
const mobile = () => page.frameLocator('iframe[name="mobile"]');

describe('numero preview in Chromium', () => {
  it('lists every issue, newest first, and opens one with both frames showing masthead and sections', async () => {
    await page.goto(`${server.url}/`);
    const rows = page.locator('table.issues tbody tr');
    await expect.poll(() => rows.count()).toBe(listIssueFiles(tmp).length);
    expect(await rows.first().textContent()).toContain('2026-02-12');
    await page.getByRole('link', { name: 'Le Kazakhstan veut devenir un hub mondial de l’IA' }).click();
    await page.waitForURL(`${server.url}/preview/${SLUG}`);

    expect(await page.locator('.inbox .subject').textContent()).toContain('Numéro 37');
    for (const frame of [desktop(), mobile()]) {
      await frame.locator('.masthead').waitFor({ state: 'visible' });
      expect(await frame.locator('.masthead').textContent()).toContain('Quoi de neuf au Kazakhstan');
      const text = await frame.locator('body').textContent();
      for (const h of headings()) expect(text).toContain(h);
    }
    expect(await page.locator('.text-part').textContent()).toContain('Bonjour Aigerim,');
    await page.screenshot({ path: path.join(ROOT, 'test/artifacts/preview-issue.png') });
  });

  it('has no horizontal scrolling in the mobile frame', async () => {
    const handle = await page.locator('iframe[name="mobile"]').elementHandle();
    const frame = await handle?.contentFrame();
    const m = await frame?.evaluate(() => ({
      sw: document.documentElement.scrollWidth,
      iw: window.innerWidth,
    }));
    expect(m?.iw).toBe(375);
    expect(m?.sw).toBeLessThanOrEqual(375);
  });

  it('shows an edited heading without reloading the page', async () => {
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });
    const before = '## Tourisme : une croissance record';
    expect(original).toContain(before);
    fs.writeFileSync(file, original.replace(before, '## Tourisme : une saison historique'));
    // Waits for the change to show (0.5–1.7 s here, idle): how fast is a figure for the README, not a
    // limit a loaded machine could miss.
    await desktop().getByText(typeset('Tourisme : une saison historique', 'fr')).waitFor({ timeout: 30_000 });
    await mobile().getByText(typeset('Tourisme : une saison historique', 'fr')).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
  });

  it('shows a front matter error with its line, and recovers when the file is fixed', async () => {
    const broken = fs.readFileSync(file, 'utf8').replace('date: 2025-10-02', 'date: 2 octobre');
    fs.writeFileSync(file, broken);
    const errors = page.locator('#errors');
    await errors.waitFor({ timeout: 30_000 });
    expect(await errors.textContent()).toContain(`${SLUG}.md:3: date: expected YYYY-MM-DD`);
    expect(await page.locator('iframe').count()).toBe(0);

    fs.writeFileSync(file, original);
    await desktop().locator('.masthead').waitFor({ timeout: 30_000 });
    expect(await page.locator('#errors').count()).toBe(0);
    expect(await desktop().locator('body').textContent()).toContain(
      typeset('Tourisme : une croissance record', 'fr'),
    );
  });

  it('sends a personalised test copy to one address, subject prefixed [TEST]', async () => {
    const before = sink.messages.length;
    await page.locator('.send-test input[name="to"]').fill('redaction@example.org');
    await page.locator('.send-test button').click();
    await page.locator('.notice').waitFor();
    expect(await page.locator('.notice').textContent()).toBe('Test sent to redaction@example.org');
    const [message] = (await sink.waitFor(before + 1)).slice(before);
    expect(message?.envelope.to).toEqual(['redaction@example.org']);
    expect(message?.parsed.subject).toBe(
      '[TEST] Numéro 37\u00A0: Alem.ai, le rail Dostyk–Moïynty et la pomme du Tian Shan',
    );
    expect(message?.parsed.html).toContain('Bonjour Aigerim,');
    expect(message?.parsed.text).toContain('Bonjour Aigerim,');
    expect(message?.parsed.html).not.toMatch(/\{\{/);
    expect(sink.messages).toHaveLength(before + 1);
  });

  it('refuses a malformed address and sends nothing', async () => {
    const before = sink.messages.length;
    // As the preview's own page posts it: its token, its origin.
    const ownPage = await (await fetch(`${server.url}/preview/${SLUG}`)).text();
    const token = /name="_token" value="([^"]+)"/.exec(ownPage)?.[1] ?? '';
    const res = await fetch(`${server.url}/preview/${SLUG}/test`, {
      method: 'POST',
      headers: { Origin: server.url },
      body: new URLSearchParams({
        to: 'pas une adresse',
        template: 'weekly.tsx',
        reader: 'aigerim',
        _token: token,
      }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location') ?? '', server.url);
    expect(target.searchParams.get('test_error')).toBe('invalid address "pas une adresse": no @');
    const shown = await (await fetch(target)).text();
    expect(shown).toContain('invalid address &quot;pas une adresse&quot;');
    expect(sink.messages).toHaveLength(before);
  });

  it('offers real subscribers from the store in the reader selector, and renders for them', async () => {
    const t = await freshStore('sqlite');
    const list = await createList(t.store.db, 'lecteurs');
    const [s] = await insertSubscribers(t.store.db, [
      {
        email: 'dana@example.kz',
        email_normalized: 'dana@example.kz',
        name: 'Dana Sadykova',
        attributes: '{}',
      },
    ]);
    await insertMemberships(t.store.db, [
      { list_id: list.id, subscriber_id: s?.id ?? 0, status: 'active', source: 'test' },
    ]);
    const withStore = await startPreview({
      workspace: { issuesDir: tmp, templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
      smtp: { url: sink.url },
      port: 0,
      host: '127.0.0.1',
      subscribers: subscriberReaders(t.store),
    });
    try {
      const p = await browser.newPage();
      await p.route('**/*', (r) => (r.request().url().startsWith(withStore.url) ? r.continue() : r.abort()));
      await p.goto(`${withStore.url}/preview/${SLUG}`);
      const option = p.locator('select[name="reader"] option', { hasText: 'dana@example.kz' });
      expect(await option.count()).toBe(1);
      await p.selectOption('select[name="reader"]', `subscriber-${s?.id}`);
      await p.waitForURL(/reader=subscriber-/);
      await p.frameLocator('iframe[name="desktop"]').getByText('Bonjour Dana,').waitFor();
      await p.close();
    } finally {
      await withStore.close();
      await t.dispose();
    }
  });

  it('serves the public web version without reader data, and no file outside the issues folder', async () => {
    const res = await fetch(`${server.url}/issues/${SLUG}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('Quoi de neuf au Kazakhstan');
    expect(body).not.toContain('Aigerim');
    expect((await fetch(`${server.url}/issues/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.url}/preview/..%2Fpackage`)).status).toBe(404);
  });
});
