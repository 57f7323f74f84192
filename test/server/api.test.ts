import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ADMIN_TOKEN, type Harness, location, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

interface ErrorBody {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
}

describe('when a request has no admin authentication', () => {
  it('should answer the API with 401 and send pages to the sign-in form', async () => {
    const api = await fetch(`${h.url}/api/workspaces`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as ErrorBody).error.code).toBe('unauthorized');
    const wrong = await fetch(`${h.url}/api/connections`, {
      headers: { authorization: 'Bearer wrong-token' },
    });
    expect(wrong.status).toBe(401);
    const page = await fetch(`${h.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2F');
    const post = await fetch(`${h.url}/api/workspaces`, {
      ...json({ name: 'x', sourceVendor: 'hubspot' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(401);
    expect(await h.ctx.store.workspaces.list()).toHaveLength(0);
  });

  it('should sign in with the token into an HttpOnly cookie that opens the dashboard', async () => {
    const refused = await fetch(`${h.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope', next: '/' }),
      redirect: 'manual',
    });
    expect(refused.status).toBe(401);
    const res = await fetch(`${h.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN_TOKEN, next: '//evil.example/' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(location(res, h.url)).toBe(`${h.url}/`);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    const dashboard = await fetch(`${h.url}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<h1>Workspaces</h1>');
  });
});

describe('when the API gets a body it cannot accept', () => {
  it('should name the field in the error', async () => {
    const res = await h.admin('/api/workspaces', json({ name: 'acme', sourceVendor: 'marketo' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_error');
    expect(body.error.fields?.map((f) => f.path)).toStrictEqual(['sourceVendor']);
    expect(body.error.message).toContain('sourceVendor: must be one of hubspot, mautic');
  });

  it('should name every bad field, unknown ones included', async () => {
    const res = await h.admin(
      '/api/workspaces',
      json({ name: '-bad name', sourceVendor: 'hubspot', scheduleIntervalMinutes: 0, colour: 'red' }),
    );
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as ErrorBody).error.fields?.map((f) => f.path).sort();
    expect(paths).toStrictEqual(['(body)', 'name', 'scheduleIntervalMinutes']);
  });

  it('should point at the line of an invalid model', async () => {
    const res = await h.admin(
      '/api/workspaces',
      json({ name: 'acme', sourceVendor: 'hubspot', model: { yaml: 'name: x\nstages: 12\n' } }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('model_invalid');
    expect(body.error.message).toMatch(/model\.yaml:\d+:\d+/);
  });
});

describe('when the admin manages workspaces through the API', () => {
  it('should create, list and show a workspace without any credentials in the answers', async () => {
    const created = await h.admin(
      '/api/workspaces',
      json({ name: 'acme', sourceVendor: 'hubspot', model: { preset: 'three-stage' } }),
    );
    expect(created.status).toBe(201);
    const ws = ((await created.json()) as { workspace: { id: string; model: { ref: string } } }).workspace;
    expect(ws.model.ref).toBe('preset:three-stage');
    const list = (await (await h.admin('/api/workspaces')).json()) as { workspaces: { name: string }[] };
    expect(list.workspaces.map((w) => w.name)).toStrictEqual(['acme']);
    const shown = await h.admin(`/api/workspaces/acme`);
    expect(shown.status).toBe(200);
    expect((await h.admin('/api/workspaces/nope')).status).toBe(404);
  });

  it('should preview a model change on the stored contacts before saving it', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await h.ctx.store.contacts.upsert(
      ws.id,
      ['1', '2', '3'].map((id) => ({
        id,
        properties: { email: `c${id}@example.com` },
        updatedAt: '2026-01-01T00:00:00Z',
      })),
    );
    const put = (dryRun: boolean) =>
      h.admin(`/api/workspaces/${ws.id}/model`, {
        ...json({ model: { preset: 'three-stage' }, dryRun }),
        method: 'PUT',
      });

    const preview = await put(true);
    expect(preview.status).toBe(200);
    const body = (await preview.json()) as {
      saved: boolean;
      preview: {
        evaluated: number;
        moves: unknown[];
        samples: { contactId: string; explanation?: string }[];
      };
    };
    expect(body.saved).toBe(false);
    expect(body.preview.evaluated).toBe(3);
    expect(body.preview.moves).not.toHaveLength(0);
    // Each sample carries the contact page's full explanation: its header names the contact and the
    // preset's three stages (no_need → need → shortlist), then the scores line.
    expect(body.preview.samples.map((s) => s.contactId)).toStrictEqual(['1', '2', '3']);
    for (const s of body.preview.samples) {
      expect(s.explanation).toMatch(new RegExp(`^Contact ${s.contactId}: .+ \\(stage \\d of 3, model `));
      expect(s.explanation).toContain('\nScores: ');
    }
    expect((await h.ctx.store.workspaces.require(ws.id)).model.ref).toBe(ws.model.ref);

    const saved = (await (await put(false)).json()) as { saved: boolean };
    expect(saved.saved).toBe(true);
    expect((await h.ctx.store.workspaces.require(ws.id)).model.ref).toBe('preset:three-stage');
  });

  it('should enqueue a sync and report the job with its progress', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const res = await h.admin(`/api/workspaces/${ws.id}/sync`, json({}));
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await h.ctx.queues.sync.getJob(jobId);
    expect(job?.data).toStrictEqual({ workspaceId: ws.id });
    // What a worker reports while it runs the job.
    await job!.updateProgress({ step: 'pull_contacts', done: 40, total: 100 });
    const status = (await (await h.admin(`/api/jobs/${jobId}`)).json()) as { job: Record<string, unknown> };
    expect(status.job).toMatchObject({
      id: jobId,
      state: 'waiting',
      workspaceId: ws.id,
      progress: { step: 'pull_contacts', done: 40, total: 100 },
    });
    const jobs = (await (await h.admin(`/api/workspaces/${ws.id}/jobs`)).json()) as {
      jobs: { id: string }[];
    };
    expect(jobs.jobs.map((j) => j.id)).toStrictEqual([jobId]);
    expect((await h.admin('/api/jobs/unknown-job')).status).toBe(404);
  });

  it('should list connections without their tokens', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const c = await h.ctx.store.connections.create({
      vendor: 'hubspot',
      accountId: '4242',
      baseUrl: 'https://api.hubapi.com',
      credentials: { kind: 'oauth2', accessToken: 'at-SECRET-1', refreshToken: 'rt-SECRET-2' },
    });
    await h.ctx.store.workspaces.setConnection(ws.id, 'source', c.id);
    const text = await (await h.admin('/api/connections')).text();
    const body = JSON.parse(text) as {
      connections: { id: string; workspaces: { name: string; role: string }[] }[];
    };
    expect(
      body.connections.map((x) => ({ id: x.id, workspaces: x.workspaces.map((w) => `${w.name}:${w.role}`) })),
    ).toStrictEqual([{ id: c.id, workspaces: ['acme:source'] }]);
    expect(text).not.toContain('SECRET');
  });
});

describe('when any page is served', () => {
  it('should send security headers that let connect forms reach only this origin, HTTPS and the configured vendors', async () => {
    const res = await h.admin('/');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`form-action 'self' https: ${h.sandbox.url}`);
    expect(csp).toContain("object-src 'none'");
    // Served over plain HTTP here: no upgrade of same-origin requests, no HSTS.
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
