import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ADMIN_TOKEN, type Harness, jsonRequest, location, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/**
 * Drives a connect flow through the real redirects: our connect endpoint → the sandbox's authorize
 * page (which approves at once) → our callback → the dashboard.
 */
async function connect(workspaceId: string, vendor: string, form?: Record<string, string>) {
  const start = await h.admin(`/workspaces/${workspaceId}/connect/${vendor}`, {
    method: 'POST',
    ...(form
      ? {
          body: new URLSearchParams(form).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      : {}),
  });
  expect(start.status).toBe(303);
  const authorizeUrl = location(start, h.url);
  const approved = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const callbackUrl = location(approved, authorizeUrl);
  expect(callbackUrl.startsWith(`${h.url}/oauth/${vendor}/callback?`)).toBe(true);
  // The callback is reached by the vendor's redirect: no admin header, the state authenticates it.
  const back = await fetch(callbackUrl, { redirect: 'manual' });
  return { authorizeUrl: new URL(authorizeUrl), callbackUrl, back };
}

async function workspaceJson(id: string) {
  const res = await h.admin(`/api/workspaces/${id}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { workspace: Record<string, any> }).workspace; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads loose JSON
}

describe('when an admin connects HubSpot', () => {
  it('should store the tokens sealed, attach the portal as the source and create the schema', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const { authorizeUrl, back } = await connect(ws.id, 'hubspot');
    expect(authorizeUrl.pathname).toBe('/hubspot/oauth/authorize');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${h.url}/oauth/hubspot/callback`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toMatch(/^\/\?connected=hubspot/);

    const view = await workspaceJson(ws.id);
    expect(view.source).toMatchObject({
      vendor: 'hubspot',
      status: 'active',
      baseUrl: `${h.sandbox.url}/hubspot`,
    });
    expect(view.source.accountId).toMatch(/^\d+$/);
    expect(view.schemaChecks.hubspot).toMatchObject({ missing: [] });
    expect(view.schemaChecks.hubspot.error).toBeUndefined();
    // ensureSchema ran against the portal with the tokens just granted.
    const calls = Object.keys(h.sandbox.hubspot.stats().calls);
    expect(calls.filter((k) => k.startsWith('POST /crm/v3/properties/contacts'))).not.toHaveLength(0);

    const credentials = await h.ctx.store.connections.readCredentials(String(view.source.id));
    expect(credentials.kind).toBe('oauth2');
    const token = credentials.kind === 'oauth2' ? credentials.accessToken : '';
    const listed = await (await h.admin('/api/connections')).text();
    expect(listed).toContain(view.source.id);
    expect(listed).not.toContain(token);
    const row = await h.ctx.store.db.query<{ sealed: string }>(
      'SELECT credentials_sealed AS sealed FROM connections WHERE id = $1',
      [view.source.id],
    );
    expect(row.rows[0]!.sealed).not.toContain(token);
  });

  it('should start a connect from the JSON API and answer the on-connect doctor there', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const started = await h.admin(`/api/workspaces/${ws.id}/connect/hubspot`, jsonRequest('POST', {}));
    expect(started.status).toBe(200);
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    expect(new URL(authorizeUrl).pathname).toBe('/hubspot/oauth/authorize');
    const approved = await fetch(authorizeUrl, { redirect: 'manual' });
    const back = await fetch(location(approved, authorizeUrl), { redirect: 'manual' });
    expect(back.status).toBe(303);
    const doctor = (await workspaceJson(ws.id)).schemaChecks.hubspot.doctor as {
      findings: { severity: string; code: string; subject: string }[];
    };
    // The Salesforce CRM is not connected yet: a warning, not a blocking problem.
    expect(
      doctor.findings.filter((f) => f.code === 'not_connected').map((f) => [f.subject, f.severity]),
    ).toEqual([['vendor:salesforce', 'warning']]);
    const mautic = await h.admin(`/api/workspaces/${ws.id}/connect/mautic`, jsonRequest('POST', {}));
    expect(mautic.status).toBe(400);
    expect(await mautic.text()).toContain('baseUrl');
  });

  it('should refuse a replayed callback: a state works once', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const { callbackUrl, back } = await connect(ws.id, 'hubspot');
    expect(back.status).toBe(303);
    const replay = await fetch(callbackUrl, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already used');
  });

  it('should refuse a callback whose state was never issued', async () => {
    const res = await fetch(`${h.url}/oauth/hubspot/callback?state=${'x'.repeat(43)}&code=abc`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
  });

  it('should revoke the tokens at HubSpot and detach the connection on disconnect', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await connect(ws.id, 'hubspot');
    const res = await h.admin(`/workspaces/${ws.id}/disconnect/hubspot`, { method: 'POST' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/disconnected=hubspot&revoked=1/);
    expect(h.sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBe(1);
    const view = await workspaceJson(ws.id);
    expect(view.source).toBeNull();
    expect(await h.ctx.store.connections.list()).toHaveLength(0);
  });

  it('should retire the account it replaces: its tokens revoked, its connection gone', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await connect(ws.id, 'hubspot');
    const [first] = await h.ctx.store.connections.list();
    // The earlier connection becomes another portal's, so the next connect brings a different account.
    await h.ctx.store.db.query(`UPDATE connections SET account_id = 'another-portal' WHERE id = $1`, [
      first!.id,
    ]);
    const { back } = await connect(ws.id, 'hubspot');
    expect(back.headers.get('location')).toMatch(/connected=hubspot&replaced=1&revoked=1#/);
    expect(h.sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBe(1);
    const left = await h.ctx.store.connections.list();
    expect(left.map((c) => c.id)).not.toContain(first!.id);
    expect((await workspaceJson(ws.id)).source).toMatchObject({ vendor: 'hubspot', status: 'active' });
    const page = await (await h.admin(`/?connected=hubspot&replaced=1&revoked=1`)).text();
    expect(page).toContain(
      'HubSpot connected. The HubSpot account it replaced was disconnected and its tokens revoked.',
    );
  });

  it('should keep the tokens of a replaced account another workspace still uses', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const other = await h.createWorkspace('globex', 'hubspot');
    await connect(ws.id, 'hubspot');
    const [first] = await h.ctx.store.connections.list();
    await h.ctx.store.workspaces.setConnection(other.id, 'source', first!.id);
    await h.ctx.store.db.query(`UPDATE connections SET account_id = 'another-portal' WHERE id = $1`, [
      first!.id,
    ]);
    const { back } = await connect(ws.id, 'hubspot');
    expect(back.headers.get('location')).toMatch(/replaced=1&revoked=0&why=shared#/);
    expect(h.sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBeUndefined();
    expect((await h.ctx.store.connections.list()).map((c) => c.id)).toContain(first!.id);
  });
});

describe('when an admin connects Salesforce', () => {
  it('should run PKCE with S256, keep the verifier server-side and show what the org is missing', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    h.sandbox.salesforce.faults.removeField('Lead', 'Leadstage_External_Id__c');
    const { authorizeUrl, callbackUrl, back } = await connect(ws.id, 'salesforce');
    // The login host's root, where Salesforce serves OAuth (the sandbox has a port of its own).
    expect(authorizeUrl.origin).toBe(h.sandbox.salesforceUrl);
    expect(authorizeUrl.pathname).toBe('/services/oauth2/authorize');
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.has('code_verifier')).toBe(false);
    expect(callbackUrl).not.toContain('code_verifier');
    expect(back.status).toBe(303);

    const view = await workspaceJson(ws.id);
    expect(view.crm).toMatchObject({
      vendor: 'salesforce',
      status: 'active',
      baseUrl: h.sandbox.salesforceUrl,
    });
    const missing = view.schemaChecks.salesforce.missing as string[];
    expect(missing.filter((m) => m.startsWith('Lead.Leadstage_External_Id__c is missing'))).toHaveLength(1);
    expect(view.schemaChecks.salesforce.error).toBeUndefined();

    const page = await (await h.admin('/')).text();
    expect(page).toContain('Salesforce account');
    for (const line of missing) {
      expect(page).toContain(line.replaceAll('"', '&quot;').replaceAll("'", '&#39;'));
    }
  });

  it('should run the doctor on connect and show its findings on the page the admin lands on', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    h.sandbox.salesforce.faults.removeField('Lead', 'Leadstage_External_Id__c');
    const { back } = await connect(ws.id, 'salesforce');
    expect(back.status).toBe(303);

    // The API answers the doctor's verdict with the connection's check.
    const doctor = (await workspaceJson(ws.id)).schemaChecks.salesforce.doctor as {
      ok: boolean;
      findings: { severity: string; code: string; subject: string; message: string }[];
    };
    expect(doctor.ok).toBe(false);
    const fieldMissing = doctor.findings.filter((f) => f.code === 'crm_field_missing');
    expect(fieldMissing.map((f) => f.severity)).toEqual(['blocking']);
    expect(fieldMissing[0]!.message).toMatch(/^Lead\.Leadstage_External_Id__c is missing/);
    // The HubSpot source was never connected: the doctor says so too.
    expect(doctor.findings.some((f) => f.code === 'not_connected' && f.subject === 'vendor:hubspot')).toBe(
      true,
    );

    const landed = await (await h.admin(back.headers.get('location')!)).text();
    const row = landed.slice(landed.indexOf('<tr data-vendor="salesforce">'));
    expect(row).toContain('data-doctor="blocking"');
    expect(row).toContain('data-code="crm_field_missing"');
    expect(row).toContain('Leadstage_External_Id__c is missing');
  });

  it('should refuse to connect a vendor the workspace does not use, naming the field', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot', null);
    const res = await h.admin(`/workspaces/${ws.id}/connect/salesforce`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('vendor: workspace');
  });
});

describe('when an admin disconnects Salesforce or Mautic', () => {
  it('should revoke the Salesforce refresh token so it no longer refreshes', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    await connect(ws.id, 'salesforce');
    const connectionId = (await h.ctx.store.workspaces.require(ws.id)).crmConnectionId!;
    const credentials = await h.ctx.store.connections.readCredentials(connectionId);
    const refreshToken = credentials.kind === 'oauth2' ? credentials.refreshToken! : '';
    const res = await h.admin(`/workspaces/${ws.id}/disconnect/salesforce`, { method: 'POST' });
    expect(res.headers.get('location')).toMatch(/disconnected=salesforce&revoked=1/);
    // Already gone: revoking it a second time finds nothing.
    expect(h.sandbox.salesforce.oauth.revoke(refreshToken)).toBe(false);
    expect((await h.ctx.store.workspaces.require(ws.id)).crmConnectionId).toBeNull();
  });

  it('should detach Mautic and tell the admin to delete the credentials there, having no revoke', async () => {
    const ws = await h.createWorkspace('acme', 'mautic');
    await connect(ws.id, 'mautic', { baseUrl: `${h.sandbox.url}/mautic` });
    const res = await h.admin(`/workspaces/${ws.id}/disconnect/mautic`, { method: 'POST' });
    expect(res.headers.get('location')).toMatch(/disconnected=mautic&revoked=0&why=no_revoke/);
    const page = await (await h.admin(location(res, h.url).replace(h.url, ''))).text();
    expect(page).toContain('delete leadstage&#39;s API credentials in Mautic');
    expect((await h.ctx.store.workspaces.require(ws.id)).sourceConnectionId).toBeNull();
  });
});

describe('when an admin connects Mautic', () => {
  it('should take the instance URL from the form and attach the instance as the source', async () => {
    const ws = await h.createWorkspace('acme', 'mautic');
    const { authorizeUrl, back } = await connect(ws.id, 'mautic', { baseUrl: `${h.sandbox.url}/mautic/` });
    expect(authorizeUrl.toString().startsWith(`${h.sandbox.url}/mautic/oauth/v2/authorize?`)).toBe(true);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${h.url}/oauth/mautic/callback`);
    expect(back.status).toBe(303);
    const view = await workspaceJson(ws.id);
    expect(view.source).toMatchObject({
      vendor: 'mautic',
      status: 'active',
      baseUrl: `${h.sandbox.url}/mautic`,
      accountId: new URL(h.sandbox.url).host,
    });
    expect(view.schemaChecks.mautic.error).toBeUndefined();
    const page = await (await h.admin('/')).text();
    expect(page).toContain(`${h.url}/webhooks/mautic/${view.source.id}`);
  });

  it.each([
    { takes: true, mode: 'batch' },
    { takes: false, mode: 'stages_api' },
  ])(
    'should record the stage write on the connection (instance takes a stage in the batch edit: $takes)',
    async ({ takes, mode }) => {
      h.sandbox.mautic.features.stageInEdit = takes;
      const ws = await h.createWorkspace('acme', 'mautic');
      await connect(ws.id, 'mautic', { baseUrl: `${h.sandbox.url}/mautic` });
      const attached = await h.ctx.store.workspaces.require(ws.id);
      const connection = await h.ctx.store.connections.require(attached.sourceConnectionId!);
      expect(connection.config.stageWrite).toBe(mode);

      // Shown read-only: in the connections API and on the console's connection card, with its meaning.
      const listed = (await (await h.admin('/api/connections')).json()) as {
        connections: { id: string; stageWrite: string | null }[];
      };
      expect(listed.connections.find((c) => c.id === connection.id)?.stageWrite).toBe(mode);
      const health = (await (await h.admin(`/api/workspaces/${ws.id}/health`)).json()) as {
        workspace: { connections: { vendor: string; stageWrite: string | null }[] };
      };
      expect(health.workspace.connections.find((c) => c.vendor === 'mautic')?.stageWrite).toBe(mode);
      const card = await (await h.admin(`/workspaces/${ws.id}`)).text();
      const row = card.slice(card.indexOf('<tr data-vendor="mautic">'));
      expect(row).toContain(`data-stage-write="${mode}">Stage write: <code>${mode}</code>.`);
      expect(row).toContain(takes ? 'many contacts per call' : 'one call per contact that changes stage');
    },
  );

  it('should ask for the base URL when the form lacks it', async () => {
    const ws = await h.createWorkspace('acme', 'mautic');
    const res = await h.admin(`/workspaces/${ws.id}/connect/mautic`, {
      method: 'POST',
      body: 'baseUrl=',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('baseUrl');
  });
});

it('should not start a connect flow without the admin token', async () => {
  const ws = await h.createWorkspace('acme', 'hubspot');
  const res = await fetch(`${h.url}/workspaces/${ws.id}/connect/hubspot`, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer not-${ADMIN_TOKEN}` },
  });
  expect(res.status).not.toBe(200);
  expect(res.headers.get('location') ?? '').not.toContain('/hubspot/oauth/authorize');
});
