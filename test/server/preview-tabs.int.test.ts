import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreview } from '../../src/server/preview/start.ts';
import { confine, launchChromium } from '../helpers/browser.ts';
import { ISSUES_DIR, PUBLIC_URL, ROOT, TEMPLATES_DIR } from '../helpers/fixtures.ts';

let tmp: string;
let server: PreviewServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-preview-tabs-'));
  for (const f of ['newsletter.yml', 'articles.yml'])
    fs.copyFileSync(path.join(ISSUES_DIR, f), path.join(tmp, f));
  fs.copyFileSync(
    path.join(ROOT, 'test/fixtures/preview-issues/links-check.md'),
    path.join(tmp, '2027-01-07-links.md'),
  );
  // The issue's image: 250 KB, over the 200 KB a phone should download.
  fs.writeFileSync(path.join(tmp, 'carte.png'), Buffer.alloc(250 * 1024));
  server = await startPreview({
    workspace: { issuesDir: tmp, templatesDir: TEMPLATES_DIR, publicUrl: PUBLIC_URL },
    smtp: { url: 'smtp://127.0.0.1:9' },
    port: 0,
    host: '127.0.0.1',
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await confine(page, server.url); // only the preview server is reachable from the page
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const POLL = { timeout: 20_000 };

describe('the preview’s compatibility and links tabs, dark switch and widths (Chromium)', () => {
  it('shows what clients do not support and every link with its checks', async () => {
    await page.goto(`${server.url}/preview/2027-01-07-links`);
    await page.click('label[for="tab-clients"]');
    const clients = page.locator('.panel-clients');
    await expect.poll(() => clients.isVisible(), POLL).toBe(true);
    expect(await clients.locator('tr.harmless[data-feature="<body> element"]').first().textContent()).toMatch(
      /harmless/,
    );
    expect(await clients.locator('tr.unsupported').count()).toBeGreaterThan(0);

    // The inbox line, cut as Gmail and Apple Mail show it on a desktop and a phone.
    await page.click('details.inbox-rows summary');
    expect(await page.locator('details.inbox-rows summary').textContent()).toMatch(
      /subject \d+ characters, preheader \d+/,
    );
    expect(await page.locator('tr[data-client="Gmail phone"]').count()).toBe(1);

    // The spam tab: SpamAssassin (Debian's, installed by .ci/run) scores the message, rules listed.
    await page.click('label[for="tab-spam"]');
    const spam = page.frameLocator('iframe[name="spam"]');
    await expect
      .poll(() => spam.locator('.spam-score').textContent(), { timeout: 90_000 })
      .toMatch(/^-?\d+\.\d points/);
    expect(await spam.locator('table.spam code').allTextContents()).toContain('HTML_MESSAGE');

    await page.click('label[for="tab-links"]');
    const links = page.locator('.panel-links');
    await expect.poll(() => links.isVisible(), POLL).toBe(true);
    const text = (await links.textContent()) ?? '';
    expect(text).toContain(
      'the text shows www.mabanque.fr but the link goes to evil.example (looks like phishing)',
    );
    expect(text).toContain('http: the link is not encrypted');
    expect(text).toContain('250 KB: over 200 KB, slow on a phone');
    expect(text).toContain('no width and height');
    expect(await links.locator('tr', { hasText: 'unsubscribe' }).count()).toBe(1);
    expect(await links.locator('tr', { hasText: 'web version' }).count()).toBe(1);
  });

  it('renders the frames in dark mode when asked, and at a chosen width in a resizable frame', async () => {
    await page.goto(`${server.url}/preview/2027-01-07-links?scheme=dark&width=320`);
    const bg = async (name: string) =>
      page
        .frameLocator(`iframe[name="${name}"]`)
        .locator('h2')
        .first()
        .evaluate((e) => getComputedStyle(e).color);
    // Title text turns light in dark mode (theme.dark.ink #e4e9ed), in every frame.
    await expect.poll(() => bg('desktop'), POLL).toBe('rgb(228, 233, 237)');
    await expect.poll(() => bg('custom'), POLL).toBe('rgb(228, 233, 237)');
    const box = await page.locator('.resizable').boundingBox();
    expect(Math.round(box?.width ?? 0)).toBe(320 + 2); // the dashed border
    expect(await page.locator('.resizable').evaluate((e) => getComputedStyle(e).resize)).toBe('horizontal');

    await page.goto(`${server.url}/preview/2027-01-07-links?scheme=light`);
    await expect.poll(() => bg('desktop'), POLL).toBe('rgb(31, 41, 51)');
  });
});
