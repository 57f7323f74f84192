/**
 * A mapping change may fix what quarantined records (a stage the vendor refused, a field it
 * lacked): saving or resetting a mapping offers to release them, in the JSON API, the console and
 * the CLI (`test/cli/mapping.test.ts`), from one core (`saveMapping` in src/mappings).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Harness, jsonRequest, location, signedInBrowser, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Two records quarantined on write_back unmapped_stage (quarantined after 2 tries). */
async function quarantineTwo(workspaceId: string) {
  for (let i = 0; i < 2; i++) {
    await h.ctx.store.recordErrors.recordFailures(
      workspaceId,
      'write_back',
      ['a', 'b'].map((recordId) => ({
        recordId,
        code: 'unmapped_stage',
        message: 'no lifecycle value for sql',
      })),
      { quarantineAfter: 2, at: new Date('2026-11-01T00:00:00Z') },
    );
  }
}

const MAPPING = `contactProperties:
  email: email
stages:
  mql: marketingqualifiedlead
writeBack: { scorePrefix: ls_, reason: ls_reason, modelVersion: ls_version }
`;

interface Offer {
  step: string;
  code: string;
  quarantined: number;
  command: string;
}

describe('a mapping change with records in quarantine', () => {
  it('answers the causes to release, with their command, on save and on reset', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const put = jsonRequest('PUT', { text: MAPPING });
    const before = (await (await h.admin('/api/workspaces/acme/mappings/hubspot', put)).json()) as {
      quarantined: Offer[];
    };
    expect(before.quarantined).toEqual([]);

    await quarantineTwo(ws.id);
    const saved = (await (await h.admin('/api/workspaces/acme/mappings/hubspot', put)).json()) as {
      quarantined: Offer[];
    };
    expect(saved.quarantined).toMatchObject([
      {
        step: 'write_back',
        code: 'unmapped_stage',
        quarantined: 2,
        command: 'leadstage errors release --workspace acme --step write_back --code unmapped_stage',
      },
    ]);
    const reset = (await (
      await h.admin('/api/workspaces/acme/mappings/hubspot', { method: 'DELETE' })
    ).json()) as { quarantined: Offer[] };
    expect(reset.quarantined.map((o) => o.quarantined)).toEqual([2]);
  });

  it('shows them on the console page the save lands on, linked to their release', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await signedInBrowser(h);
    const page = `/workspaces/${ws.id}/mappings`;
    const quiet = await b.post(page, `${page}/hubspot`, { text: MAPPING });
    expect(
      (await (await b.get(location(quiet, h.url).slice(h.url.length))).text()).includes(
        'data-release-offers',
      ),
    ).toBe(false);

    await quarantineTwo(ws.id);
    const res = await b.post(page, `${page}/hubspot`, { text: MAPPING });
    expect(res.status).toBe(303);
    const html = await (await b.get(location(res, h.url).slice(h.url.length))).text();
    expect(html).toContain('data-release-offers');
    expect(html).toContain('2 record(s) on <code>write_back</code> <code>unmapped_stage</code>');
    expect(html).toContain(`href="/workspaces/${ws.id}/sync#record-errors"`);
  });
});
