import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIssueFiles, loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { Personalizer } from '../../src/render/personalize.ts';
import { sampleLinks, sampleReader } from '../../src/render/sample-readers.ts';
import { launchChromium } from '../helpers/browser.ts';
import { DIRS, ISSUES_DIR, PUBLIC_URL, ROOT, repoContext, TEMPLATES_DIR } from '../helpers/fixtures.ts';

const ARTIFACTS = path.join(ROOT, 'test/artifacts/screenshots');
const ctx = repoContext();
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const cases = listIssueFiles(ISSUES_DIR).flatMap((file) =>
  ['weekly.tsx', 'weekly.mjml'].flatMap((template) => [375, 800].map((width) => ({ file, template, width }))),
);

describe('rendered issues in Chromium', () => {
  it.each(cases)(
    '$file with $template at $width px: no horizontal scroll, masthead shown',
    async ({ file, template, width }) => {
      const issue = loadIssue(file, DIRS, ctx);
      const compiled = await compileIssue(issue, {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      const { html } = new Personalizer(compiled).fill(sampleReader(), sampleLinks(PUBLIC_URL, issue.slug));

      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        const outside: string[] = [];
        await page.route('**/*', (route) => {
          outside.push(route.request().url());
          return route.abort();
        });
        await page.setContent(html, { waitUntil: 'load' });
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

        const masthead = page.locator('.masthead').first();
        await expect.poll(() => masthead.isVisible()).toBe(true);
        expect(await masthead.textContent()).toContain('Quoi de neuf au Kazakhstan');
        const box = await masthead.boundingBox();
        expect(box?.y).toBeLessThan(100);
        expect(box?.width).toBeLessThanOrEqual(width);

        // The preheader is in the document but not shown.
        expect(await page.getByText(issue.meta.preheader, { exact: false }).first().isVisible()).toBe(false);
        expect(outside).toEqual([]);
        await page.screenshot({
          path: path.join(ARTIFACTS, `${issue.slug}.${template.replace('.', '-')}.${width}.png`),
          fullPage: true,
        });
      } finally {
        await page.close();
      }
    },
  );
});
