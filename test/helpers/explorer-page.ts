import type { Browser, Page } from 'puppeteer-core';

// Reading the explorer's page in a real browser. The callbacks given to page.evaluate() and
// $eval() run in the page; this file is type-checked without the DOM library, so the little of
// it they use is declared here.
declare const document: { body: { getAttribute(name: string): string | null; setAttribute(name: string, value: string): void } };
declare const location: { hash: string };
type Shown = { innerText: string; value: string };

/**
 * Opens the page in a new tab of 1400×900 and waits for its first render. Every console error,
 * page error (a CSP or Trusted Types violation shows up as one) and dialog is added to `problems`.
 */
export async function openPage(browser: Browser, url: string, problems: string[], options: { bypassCsp?: boolean } = {}): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  if (options.bypassCsp) await page.setBypassCSP(true);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  await settled(page);
  return page;
}

/** Waits until the page has rendered what the last navigation asked for (app.js sets data-loading). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.getAttribute('data-loading') === 'false', { timeout: 20_000 });
}

/** Runs `act` (a click, a navigation) and waits for the render it causes. */
export async function rendering(page: Page, act: () => Promise<unknown>): Promise<void> {
  await page.evaluate(() => document.body.setAttribute('data-loading', 'true'));
  await act();
  await settled(page);
}

/** Goes to `#hash` and waits for the render. */
export async function go(page: Page, hash: string): Promise<void> {
  await rendering(page, () => page.evaluate((h) => (location.hash = h), hash));
}

export function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as Shown).innerText.trim());
}

export function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((el) => (el as unknown as Shown).innerText.trim()));
}

export function inputValue(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as Shown).value);
}

/** The detail panel's fields, label → value as shown. */
export async function detailFields(page: Page): Promise<Record<string, string>> {
  const pairs = await page.$$eval('#detail dt', (dts) => dts.map((dt) => [(dt as unknown as Shown).innerText.trim(), (dt as unknown as { nextElementSibling: Shown }).nextElementSibling.innerText.trim()]));
  return Object.fromEntries(pairs);
}

/** The URL fragment's parameters. */
export async function hashParams(page: Page): Promise<URLSearchParams> {
  return new URLSearchParams(await page.evaluate(() => location.hash.slice(1)));
}

/** Waits until the element's text starts with `prefix` (for views that refresh themselves). */
export async function waitForText(page: Page, selector: string, prefix: string, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction((sel, p) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(sel)?.textContent.startsWith(p) === true, { timeout: timeoutMs }, selector, prefix);
  await settled(page);
}
