/**
 * Debian's Chromium for the browser tests. In CI it must exist: without it the tests fail there. On
 * a newcomer's machine they are skipped with a message saying what to install, so the README's
 * test command passes with Redis and PostgreSQL alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BrowserContext, chromium } from 'playwright-core';

const CANDIDATES = [
  process.env.CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((p): p is string => !!p);
export const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
export const MISSING = `Chromium is not installed (looked for ${CANDIDATES.join(', ')}): install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM to run the browser test`;
export const IN_CI = !!process.env.CI;
/** Outside CI a missing browser skips the test, saying so; in CI the test must run. */
export const SKIP_BROWSER = !CHROMIUM && !IN_CI;
if (SKIP_BROWSER) process.stderr.write(`browser test skipped: ${MISSING}\n`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with a throw-away profile; `close` removes both. */
export async function launchBrowser(
  viewport = { width: 1280, height: 900 },
): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  if (!CHROMIUM) throw new Error(MISSING);
  const profile = await mkdtemp(join(tmpdir(), 'leadstage-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
  });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
