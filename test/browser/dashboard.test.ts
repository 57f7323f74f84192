/**
 * The admin's path in a real browser: sign in, see the dashboard with the funnel drawn, click
 * "Connect HubSpot", pass through the sandbox's authorize page and come back connected.
 * Needs Chromium (Debian's chromium package, or CHROMIUM=/path/to/chrome). In CI it must run:
 * without Chromium it fails there. On a newcomer's machine it is skipped with a message saying
 * what to install, so the README's test command passes with Redis and PostgreSQL alone.
 */
import type { BrowserContext } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { ADMIN_TOKEN, type Harness, startHarness } from '../server/harness.ts';
import { launchBrowser, SKIP_BROWSER } from './chromium.ts';

let h: Harness;
let browser: BrowserContext | undefined;
let launched: Awaited<ReturnType<typeof launchBrowser>> | undefined;

beforeEach(async () => {
  h = await startHarness();
  // Playwright's default viewport, as this test has always used.
  launched = await launchBrowser({ width: 1280, height: 720 });
  browser = launched.browser;
});

afterEach(async () => {
  await launched?.close();
  browser = undefined;
  launched = undefined;
  await h?.close();
});

it.skipIf(SKIP_BROWSER)(
  'should sign in, show the funnel and connect HubSpot through the sandbox',
  async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const page = await browser!.newPage();
    // CSP violations and script errors surface as console errors.
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} at ${m.location().url}`);
    });

    await page.goto(`${h.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${h.url}/`), page.click('button[type="submit"]')]);

    const section = page.locator(`section[data-ws="${ws.id}"]`);
    await expect.poll(() => section.locator('h2').textContent()).toBe('acme');
    expect(await section.locator('.funnel svg').count()).toBe(1);
    expect(await section.locator('.funnel svg g.stage').count()).toBeGreaterThan(1);
    expect(await section.locator('[data-status="connected"]').count()).toBe(0);
    // Every form that changes something carries the anti-forgery token the server checks.
    const forms = section.locator('form[method="post"]');
    expect(await forms.count()).toBeGreaterThan(0);
    expect(await section.locator('form[method="post"] input[name="_csrf"]').count()).toBe(
      await forms.count(),
    );

    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('connected') === 'hubspot'),
      section.locator('button', { hasText: 'Connect HubSpot' }).click(),
    ]);
    expect(await page.locator('.notice').textContent()).toBe('HubSpot connected.');
    expect(await section.locator('tr[data-vendor="hubspot"] [data-status="connected"]').count()).toBe(1);
    expect(h.sandbox.hubspot.stats().calls['GET /oauth/authorize']).toBe(1);
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(stored.sourceConnectionId).not.toBeNull();

    // The job progress poll runs with the session cookie.
    const poll = await page.waitForResponse((r) => r.url().endsWith(`/api/workspaces/${ws.id}/jobs`));
    expect(poll.status()).toBe(200);
    expect(await section.locator('.jobs').textContent()).toBe('no sync running');
    expect(consoleErrors).toStrictEqual([]);
  },
);
