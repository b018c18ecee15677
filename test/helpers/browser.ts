import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with nothing reaching outside the machine. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Lets the page reach only the given servers: anything else it asks for is aborted. */
export async function confine(page: Page, ...origins: string[]): Promise<void> {
  await page.route('**/*', (route) =>
    origins.some((o) => route.request().url().startsWith(o)) ? route.continue() : route.abort(),
  );
}
