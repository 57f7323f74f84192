/**
 * The console's workspace, model and mappings pages in Debian's Chromium: sign in, create a
 * workspace, connect HubSpot and Salesforce through the sandboxes, edit a model (problems shown
 * at their line as typed), preview, save, roll back, map a stage, delete the workspace. Each page
 * is saved as test-results/console/<page>.png and must not scroll sideways at 1,280 px.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { ADMIN_TOKEN, type Harness, startHarness } from '../server/harness.ts';

const CHROMIUM = [
  process.env.CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
]
  .filter((p): p is string => !!p)
  .find((p) => existsSync(p));
const IN_CI = !!process.env.CI;
const SHOTS = join('test-results', 'console');

let h: Harness;
let browser: Browser | undefined;
let profile: string | undefined;

beforeAll(async () => {
  if (!CHROMIUM) return;
  h = await startHarness();
  profile = await mkdtemp(join(tmpdir(), 'leadstage-console-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await h?.close();
});

/** Saves the page and checks it fits a 1,280 px window. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(width, `${name} scrolls sideways`).toBeLessThanOrEqual(1280);
}

async function confirmDialog(page: Page): Promise<void> {
  await page.locator('#confirm-dialog .confirm-ok').click();
}

it.skipIf(!CHROMIUM && !IN_CI)(
  'should create, connect, edit the model, map a stage and delete a workspace',
  { timeout: 240_000 },
  async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    await page.goto(`${h.url}/workspaces`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${h.url}/workspaces`), page.click('button[type="submit"]')]);
    await shoot(page, 'workspaces-empty');

    // Create, with the keyboard-usable labelled form.
    await page.click('text=New workspace');
    await page.getByLabel('Name', { exact: true }).fill('acme');
    await page.getByLabel('Marketing source').selectOption('hubspot');
    await page.getByLabel('Sync every (minutes)').fill('30');
    await shoot(page, 'workspace-new');
    await Promise.all([
      page.waitForURL(/\/workspaces\/[^/]+\?created=1$/),
      page.click('button:has-text("Create workspace")'),
    ]);
    const ws = await h.ctx.store.workspaces.require('acme');
    expect(ws.scheduleIntervalMinutes).toBe(30);

    // Connect both vendors through the sandboxes' authorize pages.
    await Promise.all([
      page.waitForURL(/connected=hubspot/),
      page.click('button:has-text("Connect HubSpot")'),
    ]);
    await page.goto(`${h.url}/workspaces/${ws.id}`);
    await Promise.all([
      page.waitForURL(/connected=salesforce/),
      page.click('button:has-text("Connect Salesforce")'),
    ]);
    await page.goto(`${h.url}/workspaces/${ws.id}`);
    expect(await page.locator('[data-status="connected"]').count()).toBe(2);

    // Settings: the CRM's fields appear once it is connected.
    await page.getByLabel('Hand off as').selectOption('Contact');
    await page.getByLabel('Sync every (minutes)').fill('45');
    await Promise.all([page.waitForURL(/saved=1/), page.click('button:has-text("Save settings")')]);
    expect((await h.ctx.store.workspaces.require(ws.id)).scheduleIntervalMinutes).toBe(45);
    await shoot(page, 'workspace-overview');

    // The model editor: a problem is shown at its line as typed.
    await page.goto(`${h.url}/workspaces/${ws.id}/model`);
    await expect
      .poll(() => page.locator('#check-status').textContent(), { timeout: 20_000 })
      .toMatch(/^Valid/);
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\nbogus_key: 1\n');
    await expect
      .poll(() => page.locator('#check-problems li.bad').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('#check-problems li.bad').first().textContent()).toMatch(
      /^Line \d+, column 1:/,
    );
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    await shoot(page, 'model-problem');

    // A preset from the picker, previewed on this workspace, then saved with a comment.
    await page.getByLabel('Start from a preset').selectOption('three-stage');
    await page.click('#preset-load');
    await expect
      .poll(() => page.locator('#check-status').textContent(), { timeout: 20_000 })
      .toMatch(/no_need → need → shortlist/);
    await page.click('#preview');
    await expect
      .poll(() => page.locator('#preview-result').textContent(), { timeout: 30_000 })
      .toMatch(/contact\(s\) evaluated/);
    await shoot(page, 'model-preview');
    await page.getByLabel('Comment').fill('try the three-stage model');
    await Promise.all([page.waitForURL(/saved=/), page.click('button:has-text("Save model")')]);
    expect((await h.ctx.store.workspaces.require(ws.id)).model.text).toMatch(/^# The 3-stage model/);
    expect(await page.locator('table.history tbody tr').count()).toBe(2);
    await shoot(page, 'model-history');

    // Roll back to the first version from its diff page, confirming in the dialog.
    const first = page.locator('table.history tbody tr').last();
    await first.locator('a').click();
    expect(await page.locator('table.diff tr.removed').count()).toBeGreaterThan(0);
    await shoot(page, 'model-version-diff');
    await page.click('button:has-text("Roll back to version")');
    await Promise.all([page.waitForURL(/rolledBack=/), confirmDialog(page)]);
    expect((await h.ctx.store.workspaces.require(ws.id)).model.version).toBe(ws.model.version);

    // Map a stage: HubSpot's evangelist stage written as customer.
    await page.goto(`${h.url}/workspaces/${ws.id}/mappings`);
    await shoot(page, 'mappings');
    const hubspot = page.getByLabel('HubSpot mapping YAML');
    const text = await hubspot.inputValue();
    expect(text).toContain('  evangelist: evangelist\n');
    await hubspot.fill(text.replace('  evangelist: evangelist\n', '  evangelist: customer\n'));
    await Promise.all([
      page.waitForURL(/saved=hubspot/),
      page.click('button:has-text("Save HubSpot mapping")'),
    ]);
    expect(await page.locator('.notice').first().textContent()).toContain('HubSpot mapping saved.');
    await shoot(page, 'mappings-saved');

    // The list shows health; delete asks, then revokes and removes.
    await page.goto(`${h.url}/workspaces`);
    expect(await page.locator(`tr[data-ws="${ws.id}"] .badge.ok`).count()).toBe(2);
    await shoot(page, 'workspaces');
    await page.goto(`${h.url}/workspaces/${ws.id}`);
    await page.click('button:has-text("Delete workspace")');
    expect(await page.locator('#confirm-dialog').textContent()).toMatch(/tokens are revoked/);
    await shoot(page, 'workspace-delete-confirm');
    await Promise.all([page.waitForURL(/deleted=acme/), confirmDialog(page)]);
    expect(await h.ctx.store.workspaces.get(ws.id)).toBeNull();
    expect(h.sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBe(1);
    await shoot(page, 'workspaces-after-delete');
    expect(consoleErrors).toStrictEqual([]);
  },
);
