// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
import { chromium } from 'playwright-core';

/** Flags that keep Chromium quiet and working on a machine with a closed network, as root. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium ($CHROMIUM_PATH, default /usr/bin/chromium). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/**
 * Opens a page in a fresh context and collects everything that went wrong on it:
 * `errors` gets uncaught exceptions (Playwright's `pageerror`) and, through an init script,
 * every `error` and `unhandledrejection` event the page itself sees (`window.__e2eErrors`).
 * `consoleErrors` gets console.error output (for diagnostics; resource 404s land there too).
 * @param {import('playwright-core').Browser} browser
 */
export async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  /** @type {string[]} */
  const errors = [];
  /** @type {string[]} */
  const consoleErrors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack || err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.addInitScript(() => {
    // @ts-ignore
    window.__e2eErrors = [];
    addEventListener('error', (e) => {
      // @ts-ignore
      window.__e2eErrors.push(`error event: ${e.message || (e.target && e.target.outerHTML) || e}`);
    }, true);
    addEventListener('unhandledrejection', (e) => {
      const r = e.reason;
      // @ts-ignore
      window.__e2eErrors.push(`unhandledrejection: ${(r && (r.stack || r.message)) || r}`);
    });
  });
  /** All errors seen so far: Playwright's and the page's own events. */
  async function allErrors() {
    const inPage = await page.evaluate(() => /** @type {any} */ (window).__e2eErrors ?? ['__e2eErrors missing']);
    return [...errors, ...inPage];
  }
  return { context, page, errors, consoleErrors, allErrors };
}
