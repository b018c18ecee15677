import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../../src/_shared/log.ts';
import { loadConfig } from '../../src/config.ts';
import type { Listening } from '../../src/server/listen.ts';
import { startServe } from '../../src/server/serve.ts';
import { confine, launchChromium } from './browser.ts';
import { type Harness, SECRET } from './send-harness.ts';

export const OPS_TOKEN = 'ops-token-'.padEnd(40, 'x');
export const BEARER = { Authorization: `Bearer ${OPS_TOKEN}` };

/**
 * `numero serve` (public server, /ops, /metrics, health) on loopback over the harness: on a free
 * port, or on `port` when the harness's PUBLIC_URL must point at it.
 */
export async function startOpsServer(h: Harness, port = 0): Promise<Listening> {
  return startServe({
    config: loadConfig({ ...h.env, OPS_TOKEN }),
    store: h.store,
    secret: SECRET,
    redis: { url: h.redis.url },
    port,
    host: '127.0.0.1',
    log: createLogger('test-serve', 'silent'),
  });
}

/** Chromium with a page that reaches only the given servers (Bull Board's web fonts never load). */
export async function browserFor(...origins: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await confine(page, ...origins);
  page.on('dialog', (d) => void d.accept()); // the dashboard's confirmations
  return { browser, page };
}

/** Logs in through the form, as an operator would. Returns the status /ops answered before. */
export async function logIn(page: Page, base: string): Promise<number> {
  const first = await page.goto(`${base}/ops`);
  await page.fill('input[name="token"]', OPS_TOKEN);
  await Promise.all([page.waitForURL(`${base}/ops`), page.click('form.login button')]);
  return first?.status() ?? 0;
}

/** Polls `test` until it holds (generous timeout): wait for the event, never sleep and hope. */
export async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
