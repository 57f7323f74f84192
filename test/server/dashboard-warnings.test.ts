/**
 * A run that skipped an optional stream (it kept failing after retries) succeeded, and its warning
 * shows on the dashboard's last runs, not only on the workspace's sync page.
 */
import { describe, expect, it } from 'vitest';

import { renderDashboardPage } from '../../src/server/pages/dashboard-page.ts';
import type { WorkspaceView } from '../../src/server/views.ts';

const WARNING = 'hubspot engagement email:OPEN skipped: HubSpot GET /email/public/v1/events answered 503';

function workspace(warnings: unknown): WorkspaceView {
  return {
    id: 'w1',
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: null,
    source: null,
    crm: null,
    model: { ref: 'preset:b2b-saas', version: 'v1', applied: true },
    scheduleIntervalMinutes: 15,
    stages: {},
    runs: [
      {
        id: 'r1',
        workspaceId: 'w1',
        kind: 'sync',
        full: false,
        status: 'succeeded',
        startedAt: '2026-11-30T10:00:00.000Z',
        finishedAt: '2026-11-30T10:00:05.000Z',
        counts: { qualified: 3, warnings },
        apiCalls: { hubspot: 9 },
        error: null,
      },
    ],
    schemaChecks: {},
    jobs: [],
    createdAt: '2026-11-01T00:00:00.000Z',
  };
}

describe('when the last run skipped an optional stream', () => {
  it('should list its warning beside the run on the dashboard', () => {
    const html = renderDashboardPage([{ view: workspace([WARNING]), svg: null }], 'http://localhost', 'csrf');
    expect(html).toContain(`<ul class="warnings"><li class="warn">${WARNING}</li></ul>`);
  });

  it('should show no warning list for a run without warnings, or with a malformed record', () => {
    for (const warnings of [[], undefined, 'not a list']) {
      const html = renderDashboardPage(
        [{ view: workspace(warnings), svg: null }],
        'http://localhost',
        'csrf',
      );
      expect(html).not.toContain('class="warnings"');
    }
  });
});
