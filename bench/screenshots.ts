/**
 * `node --import tsx bench/screenshots.ts`: the screenshots in docs/ (numéro 37, both templates,
 * light and dark, at 375 px as a phone shows it), from the same rendering the tests check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadContext, loadIssue } from '../src/content/load.ts';
import { compileIssue } from '../src/render/compile.ts';
import { Personalizer } from '../src/render/personalize.ts';
import { sampleLinks, sampleReader } from '../src/render/sample-readers.ts';

const root = path.resolve(import.meta.dirname, '..');
const dirs = { issuesDir: path.join(root, 'issues'), templatesDir: path.join(root, 'templates') };
const issue = loadIssue(path.join(dirs.issuesDir, '2025-10-02-numero-37.md'), dirs, loadContext(dirs));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
for (const template of ['weekly.tsx', 'weekly.mjml']) {
  const compiled = await compileIssue(issue, {
    templatesDir: dirs.templatesDir,
    publicUrl: 'https://lettre.example.org',
    template,
  });
  const { html } = new Personalizer(compiled).fill(
    sampleReader(),
    sampleLinks('https://lettre.example.org', issue.slug),
  );
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await browser.newPage({
      viewport: { width: 375, height: 900 },
      isMobile: true,
      deviceScaleFactor: 1,
    });
    await page.emulateMedia({ colorScheme });
    await page.setContent(html, { waitUntil: 'load' });
    const file = path.join(root, 'docs', `issue-${template.replace('.', '-')}-${colorScheme}.png`);
    await page.screenshot({ path: file });
    console.log(path.relative(root, file), fs.statSync(file).size, 'bytes');
    await page.close();
  }
}
await browser.close();
