/**
 * The console's JSON doors: model check, save with a comment, history, diff and rollback; settings
 * including the schedule (the sync queue's job scheduler changes at once); delete with its
 * confirmation, revoking the tokens.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { schedulerId } from '../../jobs/schedulers.ts';

import { type Harness, jsonRequest, location, startHarness, TWO_STAGE_MODEL } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const json = jsonRequest;

// Two stages, MQL at 40 points of fit; the edit below raises it to 60.
const MODEL_A = TWO_STAGE_MODEL;
const MODEL_B = MODEL_A.replace('gte: 40', 'gte: 60');

describe('the model check door', () => {
  it('locates every problem like rules check', async () => {
    const res = await h.admin(
      '/api/models/check',
      json('POST', {
        yaml: "name: m\ndimensions: [d]\nstages:\n  - key: a\n    handoff: yes\n  - key: b\n    requires: { property: email, matches: '(a)\\1' }\n",
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; problems: { line: number; column: number }[] };
    expect(body.valid).toBe(false);
    // The same positions test/server/model-check-api.test.ts expects from the PUT door.
    expect(body.problems.map((p) => [p.line, p.column])).toEqual([
      [5, 5],
      [7, 34],
    ]);
  });
});

describe('model history', () => {
  it('saves with a comment, diffs the changed line and rolls back as a new entry', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    expect(
      (
        await h.admin(
          `/api/workspaces/${ws.id}/model`,
          json('POST', { yaml: MODEL_A, comment: 'two stages' }),
        )
      ).status,
    ).toBe(200);
    const saved = await h.admin(
      `/api/workspaces/${ws.id}/model`,
      json('POST', { yaml: MODEL_B, comment: 'stricter MQL' }),
    );
    expect(((await saved.json()) as { saved: boolean }).saved).toBe(true);

    const list = (await (await h.admin(`/api/workspaces/${ws.id}/model/versions`)).json()) as {
      versions: { id: number; comment: string; actor: string }[];
    };
    expect(list.versions.map((v) => [v.comment, v.actor])).toEqual([
      ['stricter MQL', 'web'],
      ['two stages', 'web'],
      ['created', 'api'],
    ]);
    const [b, a] = list.versions;

    const diff = (await (
      await h.admin(`/api/workspaces/${ws.id}/model/versions/${a!.id}/diff?to=${b!.id}`)
    ).json()) as {
      diff: {
        hunks: { lines: { kind: string; oldLine: number | null; newLine: number | null; text: string }[] }[];
      };
    };
    const changed = diff.diff.hunks.flatMap((hk) => hk.lines).filter((l) => l.kind !== 'context');
    // Line 7 of MODEL_A is the requirement: only it changed.
    expect(changed).toEqual([
      { kind: 'removed', oldLine: 7, newLine: null, text: '    requires: { score: fit, gte: 40 }' },
      { kind: 'added', oldLine: null, newLine: 7, text: '    requires: { score: fit, gte: 60 }' },
    ]);

    const back = await h.admin(`/api/workspaces/${ws.id}/model/versions/${a!.id}/rollback`, json('POST', {}));
    expect(back.status).toBe(200);
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(stored.model.text).toBe(MODEL_A);
    const after = await h.ctx.store.modelVersions.list(ws.id);
    expect(after).toHaveLength(4);
    expect(after[0]!.comment).toBe(`rollback to version ${a!.id} (two stages)`);
  });

  it('exports the model in use as a YAML file', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await h.admin(`/api/workspaces/${ws.id}/model`, json('POST', { yaml: MODEL_A, comment: '' }));
    const res = await h.admin(`/api/workspaces/${ws.id}/model.yaml`);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?acme-model-/);
    expect(await res.text()).toBe(MODEL_A);
  });
});

describe('workspace settings', () => {
  it('changes the schedule in the queue at once and the matching policy in the settings', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await h.admin(
      `/api/workspaces/${ws.id}/settings`,
      json('PATCH', { scheduleIntervalMinutes: 30, match: 'none' }),
    );
    expect(res.status).toBe(200);
    const scheduler = await h.ctx.queues.sync.getJobScheduler(schedulerId(ws.id));
    expect(scheduler?.every).toBe(30 * 60_000);
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(stored.scheduleIntervalMinutes).toBe(30);
    expect(stored.settings.identity).toEqual({ match: 'none' });
    const health = (await (await h.admin(`/api/workspaces/${ws.id}/health`)).json()) as {
      workspace: { nextRunAt: string | null };
    };
    expect(health.workspace.nextRunAt).not.toBeNull();
  });

  it('refuses Lead or Contact before the CRM is connected, naming the field', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await h.admin(
      `/api/workspaces/${ws.id}/settings`,
      json('PATCH', { handoffObject: 'Contact' }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^handoffObject/);
  });
});

describe('deleting a workspace', () => {
  it('needs the name typed, then revokes the tokens and removes the schedule and the rows', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    // Connect HubSpot through the sandbox's OAuth flow, as the dashboard's button does.
    const start = await h.admin(`/workspaces/${ws.id}/connect/hubspot`, { method: 'POST' });
    const approved = await fetch(location(start, h.url), { redirect: 'manual' });
    await fetch(location(approved, location(start, h.url)), { redirect: 'manual' });
    const connectionId = (await h.ctx.store.workspaces.require(ws.id)).sourceConnectionId;
    expect(connectionId).not.toBeNull();
    await h.admin(`/api/workspaces/${ws.id}/settings`, json('PATCH', { scheduleIntervalMinutes: 15 }));

    const plan = (await (await h.admin(`/api/workspaces/${ws.id}/deletion`)).json()) as { removes: string[] };
    expect(plan.removes.some((l) => /hubspot connection .* tokens are revoked/.test(l))).toBe(true);

    const refused = await h.admin(`/api/workspaces/${ws.id}`, json('DELETE', { confirm: 'acm' }));
    expect(refused.status).toBe(400);
    expect(await h.ctx.store.workspaces.get(ws.id)).not.toBeNull();

    const res = await h.admin(`/api/workspaces/${ws.id}`, json('DELETE', { confirm: 'acme' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deleted: { retired: unknown[] } }).deleted.retired).toEqual([
      { vendor: 'hubspot', revoked: true },
    ]);
    expect(h.sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBe(1);
    expect(await h.ctx.store.workspaces.get(ws.id)).toBeNull();
    expect(await h.ctx.store.connections.get(connectionId!)).toBeNull();
    expect(await h.ctx.store.modelVersions.list(ws.id)).toEqual([]);
    expect(await h.ctx.queues.sync.getJobScheduler(schedulerId(ws.id))).toBeUndefined();
  });
});
