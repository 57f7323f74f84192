/**
 * The console's observing pages in Chromium at 1,280 px: sync health (a sync's progress, a real
 * sync with a worker, retrying a quarantined record), finding a contact and reading its
 * explanation, erasing it, and the funnel with a forecast. Each page is saved under
 * test-results/console/ for a reviewer, and none may scroll sideways.
 */
import { mkdir } from 'node:fs/promises';

import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { SYNC_QUEUE } from '../../jobs/queues.ts';
import { startWorkerService, type WorkerService } from '../../jobs/service.ts';
import { silentLogger } from '../../src/log.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../server/harness.ts';

import { launchBrowser, SKIP_BROWSER } from './chromium.ts';

const SHOTS = 'test-results/console';

let h: Harness;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
let worker: WorkerService | undefined;
const clients: Redis[] = [];

beforeEach(async () => {
  h = await startHarness();
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await browser?.close();
  browser = undefined;
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => undefined)));
  await h?.close();
});

function redis(): Redis {
  const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  clients.push(r);
  return r;
}

/** No page of the console may scroll sideways in a 1,280 px window. */
async function shoot(page: Page, name: string): Promise<void> {
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(width, `${name} is wider than the window`).toBeLessThanOrEqual(1280);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

it.skipIf(SKIP_BROWSER)(
  'should show a sync progressing, its run, a retried record, a contact explained and erased, and the forecast',
  async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const page = await browser!.browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} at ${m.location().url}`);
    });

    await page.goto(`${h.url}/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${h.url}/`), page.click('button[type="submit"]')]);
    for (const vendor of ['HubSpot', 'Salesforce']) {
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('connected') !== null),
        page.locator('button', { hasText: `Connect ${vendor}` }).click(),
      ]);
    }

    // Sync health before any worker: the page says so instead of "sync delayed".
    await page.goto(`${h.url}/workspaces/${ws.id}/sync`);
    expect(await page.locator('nav.tabs a[aria-current="page"]').textContent()).toBe('Sync health');
    expect(await page.locator('#now').textContent()).toContain('No worker is running');

    // A stand-in worker holds the job at a known point, so the bar can be read: 5 of 20 qualified.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const standIn = new Worker(
      SYNC_QUEUE,
      async (job) => {
        await job.updateProgress({ step: 'qualify', done: 5, total: 20 });
        await held;
      },
      { connection: redis(), prefix: h.ctx.queuePrefix },
    );
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('queued') === 'sync'),
      page.locator('#now button', { hasText: 'Sync now' }).click(),
    ]);
    const bar = page.locator('#jobs progress');
    await expect.poll(() => bar.getAttribute('value'), { timeout: 15_000 }).toBe('5');
    expect(await bar.getAttribute('max')).toBe('20');
    expect(await page.locator('#jobs .progress-line').textContent()).toBe('Qualifying: 5 of 20');
    await shoot(page, 'sync-progress');
    release();
    await standIn.close();

    // The real worker: it schedules the workspace and runs a sync against the sandboxes.
    worker = startWorkerService({
      redis: redis(),
      store: h.ctx.store,
      registry: h.ctx.registry,
      log: silentLogger,
      settings: {
        LEADSTAGE_QUEUE_PREFIX: h.ctx.queuePrefix,
        LEADSTAGE_WORKER_CONCURRENCY: 1,
        LEADSTAGE_JOB_LOCK_MS: 5_000,
        LEADSTAGE_SHUTDOWN_TIMEOUT_MS: 5_000,
        LEADSTAGE_SCHEDULE_RECONCILE_MS: 60_000,
        LEADSTAGE_HEARTBEAT_MS: 300,
      },
    });
    await worker.ready;
    await page.goto(`${h.url}/workspaces/${ws.id}/sync`);
    await page.locator('#now button', { hasText: 'Sync now' }).click();
    // The schedule's first run and "Sync now" may both run: wait until the queue is idle.
    await expect
      .poll(
        async () => {
          const runs = await h.ctx.store.runs.list(ws.id, 5);
          const busy = await h.ctx.queues.sync.getJobCounts('active', 'waiting', 'prioritized');
          const idle = Object.values(busy).every((n) => n === 0);
          return idle && runs.length > 0 && runs.every((r) => r.status !== 'running')
            ? runs[0]!.status
            : 'busy';
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe('succeeded');
    await page.goto(`${h.url}/workspaces/${ws.id}/sync`);
    const latest = page.locator('table.runs tbody tr').first();
    expect(await latest.locator('.badge').textContent()).toBe('succeeded');
    // The sandbox holds 20 contacts; the first run (the oldest row) pulls them all.
    const oldest = page.locator('table.runs tbody tr').last();
    expect((await oldest.locator('td').nth(3).innerText()).split('\n')[0]).toBe('20');
    expect(await page.locator('#now time').count()).toBeGreaterThan(0);
    expect(await page.locator('#now .schedule').textContent()).toContain('Next scheduled run');
    expect(await page.locator('#now').textContent()).toContain('1 consuming');
    await shoot(page, 'sync');

    // A quarantined record (HubSpot's VALIDATION_ERROR category) is retried from the page.
    const [first] = await h.ctx.store.contacts.page(ws.id, { limit: 1 });
    await h.ctx.store.recordErrors.recordFailures(
      ws.id,
      'write_back',
      [{ recordId: first!.id, code: 'VALIDATION_ERROR', message: 'Property values were not valid' }],
      { quarantineAfter: 1, at: new Date() },
    );
    await page.reload();
    const cause = page.locator('tr[data-cause="write_back:VALIDATION_ERROR"]');
    expect(await cause.locator('td').nth(4).textContent()).toBe('1');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('retried') === '1'),
      cause.locator('button', { hasText: 'Retry' }).click(),
    ]);
    expect(await page.locator('.notice').textContent()).toBe(
      '1 quarantined record(s) will be tried again on the next run.',
    );
    const [entry] = await h.ctx.store.recordErrors.list(ws.id, { step: 'write_back' });
    expect(entry?.quarantined).toBe(false);
    await shoot(page, 'sync-errors');

    // Find the contact by email and read why it is at its stage.
    const email = String(first!.properties.email);
    await page.locator('nav.tabs a', { hasText: 'Contacts' }).click();
    await page.fill('#contact-q', email.toUpperCase());
    await Promise.all([page.waitForURL(/\?q=/), page.locator('form[role="search"] button').click()]);
    await shoot(page, 'contacts');
    await Promise.all([
      page.waitForURL(/\/contacts\/[^?]+$/),
      page.locator('table.results a').first().click(),
    ]);
    const decided = await h.ctx.store.decisions.get(ws.id, first!.id);
    expect(await page.locator('h1 .badge').getAttribute('data-stage')).toBe(decided!.stage);
    // One bar per dimension of the preset, plus the total.
    const workspace = await h.ctx.store.workspaces.require(ws.id);
    const { workspaceModel } = await import('../../src/pipeline/engine.ts');
    const model = await workspaceModel(workspace);
    expect(await page.locator('.bars .bar').count()).toBe(model.dimensions.length + 1);
    expect(await page.locator('pre.explanation').textContent()).toContain(`Contact ${first!.id}:`);
    expect(await page.locator('ol.timeline li').count()).toBeGreaterThan(0);
    await shoot(page, 'contact');

    // Erase asks first; Cancel keeps the person, Erase removes them.
    await page.locator('button', { hasText: 'Erase this person' }).click();
    await page.locator('#confirm-dialog .confirm-cancel').click();
    expect(await h.ctx.store.contacts.get(ws.id, first!.id)).not.toBeNull();
    await page.locator('button', { hasText: 'Erase this person' }).click();
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('erased') === '1'),
      page.locator('#confirm-dialog .confirm-ok').click(),
    ]);
    expect(await h.ctx.store.contacts.get(ws.id, first!.id)).toBeNull();

    // The funnel with a forecast: 100 leads a month × P(first stage → won) × 5,000.
    await page.locator('nav.tabs a', { hasText: 'Funnel' }).click();
    await page.fill('#f-monthlyLeads', '100');
    await page.fill('#f-dealSize', '5000');
    await page.fill('#f-currency', 'EUR');
    await Promise.all([page.waitForURL(/monthlyLeads=100/), page.locator('form.forecast button').click()]);
    const api = (await (await h.admin(`/api/workspaces/${ws.id}/funnel`)).json()) as {
      funnel: { wonStage: string; stages: { key: string; reached: number }[] };
    };
    const reached = new Map(api.funnel.stages.map((s) => [s.key, s.reached]));
    const first0 = api.funnel.stages[0]!.reached;
    // Conversion rates multiply out to reached(won) / reached(first stage).
    const revenue = Math.round(100 * ((reached.get(api.funnel.wonStage) ?? 0) / first0) * 5000);
    const expected = revenue.toLocaleString('en-US', {
      style: 'currency',
      currency: 'EUR',
      maximumFractionDigits: 0,
    });
    expect(await page.locator('dl.facts dd strong').last().textContent()).toBe(expected);
    // Every label of the drawing lies inside it: none is cut on either side.
    // (A string: the test's TypeScript program has no DOM types.)
    const cut = await page.evaluate<string[]>(`(() => {
      const svg = document.querySelector('.funnel svg');
      const width = svg.viewBox.baseVal.width;
      return [...svg.querySelectorAll('text')]
        .filter((t) => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > width; })
        .map((t) => t.textContent);
    })()`);
    expect(cut).toStrictEqual([]);
    expect(await page.locator('table.cohorts tbody tr').count()).toBeGreaterThan(0);
    await shoot(page, 'funnel');
    expect(consoleErrors).toStrictEqual([]);

    // An unknown page inside the console answers an HTML page with the navigation, not JSON.
    const missing = await page.goto(`${h.url}/workspaces/${ws.id}/nothing-here`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('[data-error-page] h1').textContent()).toBe('Not found');
    await shoot(page, 'not-found');
  },
  180_000,
);
