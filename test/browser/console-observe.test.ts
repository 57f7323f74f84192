/**
 * The console's observing pages in Chromium at 1,280 px: sync health (a sync's progress, a real
 * sync with a worker, retrying a quarantined record), finding a contact and reading its
 * explanation, erasing it, and the funnel with a forecast. Each page is saved under
 * test-results/console/ for a reviewer, and none may scroll sideways.
 */
import { mkdir, readFile } from 'node:fs/promises';

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

/**
 * Clicks "Sync now" and waits until the queue is idle and a new run has ended; answers the latest
 * run's status.
 */
async function syncNowUntilIdle(page: Page, workspaceId: string): Promise<string> {
  const before = (await h.ctx.store.runs.list(workspaceId, 50)).length;
  await page.goto(`${h.url}/workspaces/${workspaceId}/sync`);
  await page.locator('#now button', { hasText: 'Sync now' }).click();
  let status = 'busy';
  await expect
    .poll(
      async () => {
        const runs = await h.ctx.store.runs.list(workspaceId, 50);
        const busy = await h.ctx.queues.sync.getJobCounts('active', 'waiting', 'prioritized');
        const idle = Object.values(busy).every((n) => n === 0);
        status =
          idle && runs.length > before && runs.every((r) => r.status !== 'running')
            ? runs[0]!.status
            : 'busy';
        return status;
      },
      { timeout: 60_000, interval: 500 },
    )
    .not.toBe('busy');
  return status;
}

it.skipIf(SKIP_BROWSER)(
  'should show a sync progressing, its run, a retried record, a contact explained and erased, and the forecast',
  async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    // The preset hands off at a booked meeting or BANT, which none of the sandbox's 20 contacts
    // has: here every contact with an email is handed off, so sales can win one in Salesforce.
    const preset = await readFile('src/qualification/presets/hubspot-lifecycle.yaml', 'utf8');
    const sqlRequires = `    requires:
      all:
        - { score: fit, gte: 20 }
        - { not: { is: excluded } }
        - any: [{ event: meeting_booked }, { is: bant }]
`;
    expect(preset).toContain(sqlRequires);
    const yaml = preset.replace(sqlRequires, '    requires: { property: email, exists: true }\n');
    const set = await h.admin(`/api/workspaces/${ws.id}/model`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: { yaml } }),
    });
    expect(set.status).toBe(200);
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
    // A full resync asked for while that sync runs is queued too, after the dialog asks.
    await page.locator('button', { hasText: 'Full resync' }).click();
    expect(await page.locator('#confirm-dialog').textContent()).toMatch(/Re-read every contact/);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('queued') === 'full'),
      page.locator('#confirm-dialog .confirm-ok').click(),
    ]);
    expect(await page.locator('.notice').textContent()).toBe(
      'Full resync queued: every contact is read again from the start and re-qualified.',
    );
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
    // The schedule's first run and "Sync now" may both run.
    expect(await syncNowUntilIdle(page, ws.id)).toBe('succeeded');
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
    // Release asks first, then forgets the failure: the record starts afresh.
    await cause.locator('button', { hasText: 'Release' }).click();
    expect(await page.locator('#confirm-dialog').textContent()).toMatch(
      /Forget the 1 failure\(s\) of write_back/,
    );
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('released') === '1'),
      page.locator('#confirm-dialog .confirm-ok').click(),
    ]);
    expect(await h.ctx.store.recordErrors.list(ws.id, { step: 'write_back' })).toStrictEqual([]);

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

    // Sales wins a handed-off Lead in Salesforce (the sandbox's /_sandbox API plays sales), and a
    // sync reads the outcome back: that contact becomes a customer.
    const sf = h.sandbox.salesforceUrl;
    const leads = (await (await fetch(`${sf}/_sandbox/records/Lead`)).json()) as Record<string, unknown>[];
    const open = leads.filter(
      (l) =>
        typeof l.Leadstage_External_Id__c === 'string' &&
        l.IsConverted !== true &&
        !l.Leadstage_External_Id__c.endsWith(`:${first!.id}`),
    );
    expect(open.length).toBeGreaterThanOrEqual(1);
    for (const lead of open.slice(0, 1)) {
      const ext = encodeURIComponent(String(lead.Leadstage_External_Id__c));
      const converted = (await (
        await fetch(`${sf}/_sandbox/leads/${ext}/convert`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ amount: 24_000 }),
        })
      ).json()) as { opportunityId: string };
      const won = await fetch(`${sf}/_sandbox/opportunities/${converted.opportunityId}/win`, {
        method: 'POST',
      });
      expect(won.status).toBe(204);
    }
    expect(await syncNowUntilIdle(page, ws.id)).toBe('succeeded');

    // The funnel with a forecast: 100 leads a month × P(first stage → won) × 5,000.
    await page.locator('nav.tabs a', { hasText: 'Funnel' }).click();
    await page.fill('#f-monthlyLeads', '100');
    await page.fill('#f-dealSize', '5000');
    await page.fill('#f-currency', 'EUR');
    await Promise.all([page.waitForURL(/monthlyLeads=100/), page.locator('form.forecast button').click()]);
    // By hand: the sandbox's 20 contacts less the one erased reached the first stage (19), one was
    // won; conversion rates multiply out to 1 / 19, so 100 × 1/19 × 5,000 = 26,315.79 → €26,316.
    expect(await page.locator('dl.facts dd strong').last().textContent()).toBe('€26,316');
    // The pipeline: the 18 others wait at Sales Qualified Lead, each with the same 1/19 chance:
    // 18 × 1/19 × 5,000 = 4,736.84 → €4,737.
    expect(await page.locator('dl.facts').first().locator('dd').first().textContent()).toMatch(/^€4,737 /);
    // 100 × 1/19 = 5.26 customers a month.
    expect(await page.locator('dl.facts').last().locator('dd').nth(1).textContent()).toBe('5.3');
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
