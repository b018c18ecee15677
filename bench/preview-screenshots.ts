/**
 * `node --import tsx bench/preview-screenshots.ts`: the screenshots of the preview's tabs in docs/
 * (compatibility, spam score, links and images, dark frames), from a running preview of the
 * repository's issues and the links test issue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startPreview } from '../src/server/preview/start.ts';

const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-shots-'));
for (const f of fs.readdirSync(path.join(root, 'issues')))
  fs.copyFileSync(path.join(root, 'issues', f), path.join(tmp, f));
fs.copyFileSync(
  path.join(root, 'test/fixtures/preview-issues/links-check.md'),
  path.join(tmp, '2027-01-07-links.md'),
);
fs.writeFileSync(path.join(tmp, 'carte.png'), Buffer.alloc(250 * 1024));
const server = await startPreview({
  workspace: {
    issuesDir: tmp,
    templatesDir: path.join(root, 'templates'),
    publicUrl: 'https://lettre.example.org',
  },
  smtp: { url: 'smtp://127.0.0.1:9' },
  port: 0,
  host: '127.0.0.1',
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const shot = async (name: string) => {
  await page.screenshot({ path: path.join(root, 'docs', `preview-${name}.png`) });
  console.log(`docs/preview-${name}.png`);
};
await page.goto(`${server.url}/preview/2025-10-02-numero-37?scheme=dark&width=414`);
await page.waitForTimeout(1500); // frames paint; a screenshot script, not a test
await shot('dark');
await page.goto(`${server.url}/preview/2027-01-07-links`);
for (const tab of ['clients', 'spam', 'links']) {
  await page.click(`label[for="tab-${tab}"]`);
  if (tab === 'spam')
    await page.frameLocator('iframe[name="spam"]').locator('.spam-score').waitFor({ timeout: 60_000 });
  await page.locator(`label[for="tab-${tab}"]`).scrollIntoViewIfNeeded();
  await shot(tab);
}
await browser.close();
await server.close();
fs.rmSync(tmp, { recursive: true, force: true });
