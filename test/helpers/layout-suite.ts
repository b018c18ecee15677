/**
 * The layout of rendered issues in real Chromium, shared by the repository's issues and the author
 * corpus (two files, so that the two run side by side): no horizontal scroll, no ordinary word broken
 * across lines, the title at the side margin, the masthead shown, WCAG AA contrast in light and
 * dark mode, the preheader hidden, nothing loaded from elsewhere but the author's own images.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Personalizer } from '../../src/render/personalize.ts';
import { sampleLinks, sampleReader } from '../../src/render/sample-readers.ts';
import { launchChromium } from './browser.ts';
import { compileRepoFile, PUBLIC_URL, ROOT } from './fixtures.ts';
import { decodeEntities } from './html-entities.ts';

export interface LayoutCase {
  file: string;
  template: string;
  width: number;
}

const ARTIFACTS = path.join(ROOT, 'test/artifacts/screenshots');
const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
let browser: Browser;
/**
 * One page for phones (a mobile context), one for wider screens, reused by every case: a new
 * context per case cost about 0.4 s, a new page 0.25 s. Each case sets its width and loads its own
 * document; what the page asked for from elsewhere is collected afresh per case.
 */
let phone: Page;
let wide: Page;
const outside: string[] = [];
/** The widths where contrast is measured and a screenshot kept (see the test). */
const CONTRAST_WIDTHS = new Set([375, 600, 800]);

interface AxeResult {
  violations: Array<{
    nodes: Array<{
      target: string[];
      any: Array<{ data?: { contrastRatio?: number; fgColor?: string; bgColor?: string } }>;
    }>;
  }>;
}

/** Every file with both templates at each of `widths`. */
export function layoutCases(files: string[], widths: number[]): LayoutCase[] {
  return files.flatMap((file) =>
    ['weekly.tsx', 'weekly.mjml'].flatMap((template) => widths.map((width) => ({ file, template, width }))),
  );
}

export function describeLayouts(title: string, cases: LayoutCase[]): void {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    const page = async (context: BrowserContext) => {
      await context.route('**/*', (route) => {
        outside.push(route.request().url());
        return route.abort();
      });
      return context.newPage();
    };
    phone = await page(await browser.newContext({ isMobile: true, viewport: { width: 375, height: 900 } }));
    wide = await page(await browser.newContext({ viewport: { width: 800, height: 900 } }));
  });
  afterAll(async () => {
    await browser?.close();
  });
  describe(title, () => {
    it.each(cases)(
      '$file with $template at $width px: no horizontal scroll, masthead shown',
      async ({ file, template, width }) => {
        const { issue, compiled } = await compileRepoFile(file, template);
        const { html } = new Personalizer(compiled).fill(sampleReader(), sampleLinks(PUBLIC_URL, issue.slug));

        // At 375 px, a phone: it honours the viewport meta tag (or lays the page out at 980 px).
        const page = width < 480 ? phone : wide;
        await page.setViewportSize({ width, height: 900 });
        outside.length = 0;
        try {
          await page.setContent(html, { waitUntil: 'load' });
          const { scrollWidth, innerWidth, layoutWidth, pre, titleLeft, clipped, brokenWords } =
            await page.evaluate(() => ({
              scrollWidth: document.documentElement.scrollWidth,
              innerWidth: window.innerWidth,
              layoutWidth: document.documentElement.clientWidth,
              // Code blocks wrap inside their box.
              pre: Array.from(document.querySelectorAll('pre')).map((p) => p.scrollWidth - p.clientWidth),
              // The title's distance from the side the text starts on (the right one in Arabic or Hebrew).
              titleLeft: (() => {
                const r = document.querySelector('h2')?.getBoundingClientRect();
                if (!r) return -1;
                return document.documentElement.dir === 'rtl'
                  ? document.documentElement.clientWidth - r.right
                  : r.left;
              })(),
              // Text cut off: a shown element that hides what overflows it, and has more than it shows.
              clipped: Array.from(document.querySelectorAll<HTMLElement>('body *'))
                .filter((e) => e.offsetParent !== null && e.getClientRects().length > 0)
                .filter((e) => {
                  const o = getComputedStyle(e).overflowX;
                  return (o === 'hidden' || o === 'clip') && e.scrollWidth > e.clientWidth + 1;
                })
                .map((e) => `${e.tagName}.${e.className}: ${(e.textContent ?? '').slice(0, 40)}`),
              // A table cell never breaks a word across lines (a wide table scrolls in its box instead
              // of falling to one letter per line on a phone): each word lies on one line.
              brokenWords: Array.from(document.querySelectorAll('td, th')).flatMap((cell) => {
                const broken: string[] = [];
                const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                  const text = n.textContent ?? '';
                  // Ordinary words (letters only, up to 20: a URL or a 75-letter compound wider than a
                  // phone must break, and does so inside its box); a hyphen or dash may end a line.
                  for (const m of text.matchAll(
                    /(?<![\p{L}\p{M}’'/.?=&:@-])[\p{L}\p{M}’']{2,20}(?![\p{L}\p{M}?=&/:@])/gu,
                  )) {
                    const range = document.createRange();
                    range.setStart(n, m.index ?? 0);
                    range.setEnd(n, (m.index ?? 0) + m[0].length);
                    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
                    // Chinese and Japanese break between any two characters: that is their rule.
                    if (tops.size > 1 && !/\p{sc=Han}|\p{sc=Hiragana}|\p{sc=Katakana}/u.test(m[0]))
                      broken.push(m[0]);
                  }
                }
                return broken;
              }),
            }));
          expect(brokenWords).toEqual([]);
          expect(clipped).toEqual([]);
          // The side margin: 16 px on a phone (not twice that, as MJML once did), 32 px inside 600 px.
          expect(titleLeft).toBe(width < 480 ? 16 : (width - 600) / 2 + 32);
          expect(layoutWidth).toBe(width);
          expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
          expect(pre.every((d) => d <= 0)).toBe(true);

          const masthead = page.locator('.masthead').first();
          await expect.poll(() => masthead.isVisible()).toBe(true);
          expect(await masthead.textContent()).toContain('Quoi de neuf au Kazakhstan');
          const box = await masthead.boundingBox();
          expect(box?.y).toBeLessThan(100);
          expect(box?.width).toBeLessThanOrEqual(width);

          // Text contrast (WCAG AA, axe-core's color-contrast rule) in light and in dark mode, as clients
          // that honour prefers-color-scheme (Apple Mail, Outlook for Mac and iOS) show it. Colours
          // change only across the 480 px breakpoint: checked on each side of it (375, and 600 or
          // 800 px), not at every width, which keeps the suite's time down.
          // axe-core only where it runs: loading it costs half a second.
          if (CONTRAST_WIDTHS.has(width)) await page.addScriptTag({ content: AXE });
          for (const colorScheme of CONTRAST_WIDTHS.has(width) ? (['light', 'dark'] as const) : []) {
            await page.emulateMedia({ colorScheme });
            const violations = await page.evaluate(async () => {
              const axe = (
                window as unknown as { axe: { run: (c: Document, o: object) => Promise<AxeResult> } }
              ).axe;
              const r = await axe.run(document, { runOnly: ['color-contrast'] });
              return r.violations.flatMap((v) =>
                v.nodes.map(
                  (n) =>
                    `${n.any[0]?.data?.contrastRatio}:1 ${n.any[0]?.data?.fgColor} on ${n.any[0]?.data?.bgColor}: ${n.target.join(' ')}`,
                ),
              );
            });
            expect(violations, colorScheme).toEqual([]);
          }
          await page.emulateMedia({ colorScheme: 'light' });

          // The preheader is in the document but not shown.
          expect(await page.getByText(issue.meta.preheader, { exact: false }).first().isVisible()).toBe(
            false,
          );
          // Nothing loads from elsewhere but the images the author put in the issue.
          const own = [...html.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => decodeEntities(m[1] ?? ''));
          expect(outside.filter((u) => !own.includes(u))).toEqual([]);
          if (CONTRAST_WIDTHS.has(width))
            await page.screenshot({
              path: path.join(ARTIFACTS, `${issue.slug}.${template.replace('.', '-')}.${width}.png`),
              fullPage: true,
            });
        } finally {
          await page.emulateMedia({ colorScheme: 'light' });
        }
      },
    );
  });
}
