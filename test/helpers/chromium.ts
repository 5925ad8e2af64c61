import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's chromium package (scripts/install-chromium.sh installs it); never a downloaded browser. */
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Outside CI a missing chromium skips the browser tests (with how to install it); under CI, where
 * `npm test` runs scripts/install-chromium.sh as root first, it fails them.
 */
export const skipWithoutChromium: string | false =
  existsSync(CHROMIUM) || process.env['CI'] ? false : `${CHROMIUM} is not installed: run 'bash scripts/install-chromium.sh' as root (apt-get install chromium)`;

/**
 * Headless chromium with exactly these flags and a fresh profile: no sandbox (tests run as root),
 * and every background service that would try to reach Google's servers turned off, since this
 * network reaches none.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash scripts/install-chromium.sh (as root) installs Debian's chromium`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    pipe: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'authz-chromium-'))}`,
    ],
  });
}
