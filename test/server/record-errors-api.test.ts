/**
 * Quarantine through the JSON API and the shared core: list by cause, retry (one more try, then
 * quarantined again) and release (forgotten, a full set of tries), filtered by step, code and ids.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

interface Listed {
  causes: { step: string; code: string; failing: number; quarantined: number }[];
  errors: { step: string; recordId: string; quarantined: boolean; retryCount: number }[];
}

/** Three records quarantined on unmapped_stage (2 tries each), one failing once on a 429. */
async function seedFailures(workspaceId: string) {
  const at = new Date('2026-11-01T00:00:00Z');
  const fail = (ids: string[], code: string) =>
    h.ctx.store.recordErrors.recordFailures(
      workspaceId,
      'write_back',
      ids.map((recordId) => ({ recordId, code, message: `${code} on ${recordId}` })),
      { quarantineAfter: 2, at },
    );
  await fail(['a', 'b', 'c'], 'unmapped_stage');
  await fail(['a', 'b', 'c'], 'unmapped_stage');
  await fail(['d'], 'rate_limited');
}

describe('record errors in the JSON API', () => {
  it('lists failing records grouped by cause, quarantined ones first', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await seedFailures(ws.id);

    const all = (await (await h.admin(`/api/workspaces/acme/errors`)).json()) as Listed;
    expect(all.causes).toEqual([
      expect.objectContaining({ step: 'write_back', code: 'unmapped_stage', failing: 3, quarantined: 3 }),
      expect.objectContaining({ step: 'write_back', code: 'rate_limited', failing: 1, quarantined: 0 }),
    ]);
    const quarantined = (await (
      await h.admin(`/api/workspaces/acme/errors?quarantined=true`)
    ).json()) as Listed;
    expect(quarantined.errors.map((e) => e.recordId)).toEqual(['a', 'b', 'c']);
    expect((await h.admin(`/api/workspaces/acme/errors?bogus=1`)).status).toBe(400);
  });

  it('retries quarantined records once more: a further failure quarantines them again', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await seedFailures(ws.id);

    const res = await h.admin(`/api/workspaces/acme/errors/retry`, post({ ids: ['a', 'b', 'd'] }));
    // d was never quarantined: only a and b are let out.
    expect(await res.json()).toEqual({ retried: 2 });
    const after = await h.ctx.store.recordErrors.list(ws.id);
    expect(after.filter((e) => e.quarantined).map((e) => e.recordId)).toEqual(['c']);

    const again = await h.ctx.store.recordErrors.recordFailures(
      ws.id,
      'write_back',
      [{ recordId: 'a', code: 'unmapped_stage', message: 'still' }],
      { quarantineAfter: 2, at: new Date('2026-11-02T00:00:00Z') },
    );
    expect(again[0]).toMatchObject({ recordId: 'a', retryCount: 3, quarantined: true });
  });

  it('releases by step and code, leaving other causes alone', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await seedFailures(ws.id);

    const res = await h.admin(
      `/api/workspaces/acme/errors/release`,
      post({ step: 'write_back', code: 'unmapped_stage' }),
    );
    expect(await res.json()).toEqual({ released: 3 });
    expect((await h.ctx.store.recordErrors.list(ws.id)).map((e) => e.recordId)).toEqual(['d']);
    const bad = await h.admin(`/api/workspaces/acme/errors/release`, post({ code: 'no spaces allowed' }));
    expect(bad.status).toBe(400);
    expect((await h.admin(`/api/workspaces/nope/errors/release`, post({}))).status).toBe(404);
  });

  it('offers to release what is quarantined when a new model is saved', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await seedFailures(ws.id);

    const res = await h.admin(`/api/workspaces/${ws.id}/model`, {
      method: 'PUT',
      body: JSON.stringify({ model: { preset: 'four-stage' } }),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await res.json()) as { saved: boolean; quarantined: { code: string; command: string }[] };
    expect(body.saved).toBe(true);
    expect(body.quarantined).toEqual([
      expect.objectContaining({
        code: 'unmapped_stage',
        quarantined: 3,
        command: 'leadstage errors release --workspace acme --step write_back --code unmapped_stage',
      }),
    ]);
  });
});
