/**
 * The console's forms as a browser posts them: a refused submit re-renders the form with the
 * message beside the field and the admin's input kept (never an error page); the handoff page
 * saves through the same core as the CLI and the API; a full resync asked for while a sync waits
 * is queued and the page says what was queued.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handoffSettings } from '../../src/pipeline/handoff-settings.ts';

import { type Harness, jsonRequest, location, signedInBrowser, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const browser = () => signedInBrowser(h);

/** The workspace's stored SLA webhook URL, opened with the store's key (it is sealed at rest), or null. */
async function storedWebhook(id: string): Promise<string | null> {
  const ws = await h.ctx.store.workspaces.require(id);
  const hook = (ws.settings.sla as { webhook?: { sealed: string } } | undefined)?.webhook;
  return hook ? h.ctx.store.workspaces.openSecret(id, 'sla-webhook', hook.sealed) : null;
}

/** A model whose SAL and SQL stages have an SLA (no preset has one). */
const SLA_MODEL = `
name: handoff form
dimensions: [fit]
stages:
  - key: lead
  - key: sal
    owner: sales
    requires: { property: accepted, equals: "yes" }
    sla: { within: 48h }
  - key: sql
    handoff: true
    owner: sales
    requires: { property: budget, equals: approved }
    sla: { within: 24h }
`;

const slaWorkspace = () =>
  h.ctx.store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: { text: SLA_MODEL, ref: 'handoff-form.yaml', version: 'handoff-form' },
  });

/** The text of the message tied to an input by aria-describedby, and the input's own markup. */
function fieldError(html: string, inputId: string): string | undefined {
  return new RegExp(`<span id="${inputId}-error" class="field-error bad">([^<]*)</span>`).exec(html)?.[1];
}

describe('a refused form', () => {
  it('keeps the new workspace input and names the schedule beside its field', async () => {
    const b = await browser();
    const res = await b.post('/workspaces/new', '/workspaces', {
      name: 'acme-eu',
      sourceVendor: 'mautic',
      crmVendor: '',
      preset: 'three-stage',
      yaml: '',
      schedule: '0',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain('data-error-page');
    expect(fieldError(html, 'ws-schedule')).toMatch(/from 1 to 10080/);
    expect(html).toContain('value="acme-eu"');
    expect(html).toContain('<option value="mautic" selected>');
    expect(html).toMatch(/<option value="three-stage" selected>/);
    expect(html).toContain('id="ws-schedule" type="number" name="schedule" min="1" max="10080" value="0"');
    expect(html).toContain('aria-invalid="true" aria-describedby="ws-schedule-error"');
    expect(await h.ctx.store.workspaces.get('acme-eu')).toBeNull();
  });

  it('puts a taken name and a broken model beside their fields', async () => {
    await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const taken = await (
      await b.post('/workspaces/new', '/workspaces', {
        name: 'acme',
        sourceVendor: 'hubspot',
        crmVendor: 'salesforce',
        preset: 'hubspot-lifecycle',
        yaml: '',
        schedule: '15',
      })
    ).text();
    expect(fieldError(taken, 'ws-name')).toBe('workspace &quot;acme&quot; already exists');
    const broken = await b.post('/workspaces/new', '/workspaces', {
      name: 'beta',
      sourceVendor: 'hubspot',
      crmVendor: 'salesforce',
      preset: 'hubspot-lifecycle',
      yaml: 'name: m\nstages: 3\n',
      schedule: '15',
    });
    expect(broken.status).toBe(400);
    const html = await broken.text();
    expect(fieldError(html, 'ws-yaml')).toBeDefined();
    expect(html).toContain('name: m\nstages: 3\n</textarea>');
  });

  it('keeps the settings typed and names the API share beside its field', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const crm = await h.ctx.store.connections.create({
      vendor: 'salesforce',
      baseUrl: h.sandbox.salesforceUrl,
      accountId: '00D000000000001',
    });
    await h.ctx.store.workspaces.setConnection(ws.id, 'crm', crm.id);
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}`, `/workspaces/${ws.id}/settings`, {
      schedule: '45',
      match: 'none',
      handoffObject: 'Contact',
      apiSharePercent: '250',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 's-share')).toBeDefined();
    expect(html).toContain('value="45"');
    expect(html).toContain('<option value="none" selected>');
    expect(html).toContain('<option value="Contact" selected>');
    expect(html).toContain('value="250"');
    // Nothing was saved: everything is validated first.
    expect((await h.ctx.store.workspaces.require(ws.id)).scheduleIntervalMinutes).toBe(15);
  });

  it('keeps a mapping that does not parse in its editor, with the problem beside it', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const text = 'stages: [unclosed\n';
    const res = await b.post(`/workspaces/${ws.id}/mappings`, `/workspaces/${ws.id}/mappings/hubspot`, {
      text,
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain('data-error-page');
    expect(fieldError(html, 'map-hubspot')).toBeDefined();
    expect(html).toContain(
      `aria-invalid="true" aria-describedby="map-hubspot-error">stages: [unclosed\n</textarea>`,
    );
  });
});

describe('a refused Mautic URL', () => {
  it('comes back in the connect form with the message beside it', async () => {
    const ws = await h.createWorkspace('acme', 'mautic');
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}`, `/workspaces/${ws.id}/connect/mautic`, {
      baseUrl: 'ftp://mautic.example.com',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain('data-error-page');
    expect(fieldError(html, 'c-mautic')).toBe('must be the http(s) URL of your Mautic');
    expect(html).toContain('value="ftp://mautic.example.com" aria-invalid="true"');
  });
});

describe('the handoff page', () => {
  it('saves round-robin owners and the why through the shared core', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const page = await (await b.get(`/workspaces/${ws.id}/handoff`)).text();
    expect(page).toContain('<label for="h-mode-round_robin">Round-robin</label>');
    expect(page).toContain(
      '<input type="radio" id="h-mode-default" name="ownerMode" value="default" checked',
    );
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'round_robin',
      users: '005000000000001\n005000000000002',
      whyAs: 'note',
      whyEvents: '5',
    });
    expect(res.status).toBe(303);
    expect(location(res, h.url)).toBe(`${h.url}/workspaces/${ws.id}/handoff?saved=1`);
    const saved = handoffSettings(await h.ctx.store.workspaces.require(ws.id));
    expect(saved).toStrictEqual({
      owner: { mode: 'round_robin', users: ['005000000000001', '005000000000002'] },
      why: { as: 'note', events: 5 },
      reassign: { mode: 'off' },
    });
    // The API door reads what the console saved.
    const api = (await (await h.admin(`/api/workspaces/${ws.id}/handoff`)).json()) as { handoff: unknown };
    expect(api.handoff).toStrictEqual(saved);
    // The page says what is in effect in the core's words, as the CLI prints them.
    const after = await (await b.get(`/workspaces/${ws.id}/handoff?saved=1`)).text();
    expect(after).toContain(
      '<li>owner of new records: round-robin over 005000000000001, 005000000000002</li>',
    );
    expect(after).toContain('<li>why: a note with the explanation and the last 5 events</li>');
    expect(after).toContain('Handoff settings saved.');
  });

  it('refuses a field mapping line without an owner, keeping every value typed', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'field',
      field: 'territory',
      map: 'EMEA = 00G000000000001\nAPAC',
      fallback: '',
      whyAs: 'task',
      whyEvents: '10',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'h-map')).toBe('line 2 &quot;APAC&quot; is not value = owner id');
    expect(html).toContain('value="field" checked');
    expect(html).toContain('value="territory"');
    expect(html).toContain('EMEA = 00G000000000001\nAPAC</textarea>');
    expect(handoffSettings(await h.ctx.store.workspaces.require(ws.id)).owner).toStrictEqual({
      mode: 'default',
    });
  });

  it('names the number of events beside its field when it is out of range', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'default',
      whyAs: 'task',
      whyEvents: '99',
    });
    expect(res.status).toBe(400);
    expect(fieldError(await res.text(), 'h-events')).toMatch(/^settings\.handoff\.why\.events: /);
  });

  it('saves reassignment on an SLA breach and a workspace webhook, showing only its host', async () => {
    const ws = await slaWorkspace();
    const b = await browser();
    const page = await (await b.get(`/workspaces/${ws.id}/handoff`)).text();
    expect(page).toContain('<legend>Reassign on an SLA breach</legend>');
    expect(page).toContain('<input type="radio" id="h-reassign-off" name="reassignMode" value="off" checked');
    expect(page).toContain('<label for="h-webhook">New webhook URL</label>');
    const secret = 'https://hooks.slack.com/services/T0AAA/B0BBB/XyZsecretTOKEN123';
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'default',
      whyAs: 'task',
      whyEvents: '10',
      reassignMode: 'round_robin',
      reassignUsers: '005000000000003\n005000000000004',
      reassignStages: 'sql, sal',
      slaWebhook: secret,
    });
    expect(res.status).toBe(303);
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(handoffSettings(stored).reassign).toStrictEqual({
      mode: 'round_robin',
      users: ['005000000000003', '005000000000004'],
      stages: ['sql', 'sal'],
    });
    expect(await storedWebhook(ws.id)).toBe(secret);
    // Sealed at rest, beside what may be shown of it.
    expect(JSON.stringify(stored.settings)).not.toContain('XyZsecretTOKEN123');
    expect(stored.settings.sla).toMatchObject({ webhook: { shown: 'https://hooks.slack.com/…' } });
    // The API door reads both; neither door gives the URL's secret path back.
    const apiText = await (await h.admin(`/api/workspaces/${ws.id}/handoff`)).text();
    expect(JSON.parse(apiText)).toMatchObject({
      handoff: { reassign: { mode: 'round_robin', stages: ['sql', 'sal'] } },
      slaWebhook: { source: 'workspace', shown: 'https://hooks.slack.com/…' },
    });
    const after = await (await b.get(`/workspaces/${ws.id}/handoff?saved=1`)).text();
    expect(after).toContain(
      '<li>on an SLA breach: reassigned round-robin over 005000000000003, 005000000000004 (stages sql, sal)</li>',
    );
    expect(after).toContain(
      '<li>SLA breaches sent to: https://hooks.slack.com/… (this workspace&#39;s webhook)</li>',
    );
    expect(after).toContain('value="round_robin" checked');
    for (const text of [apiText, after]) expect(text).not.toContain('XyZsecretTOKEN123');

    // Saving again without a URL keeps it; ticking "remove" drops it.
    await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'default',
      whyAs: 'task',
      whyEvents: '10',
      reassignMode: 'off',
      slaWebhook: '',
    });
    const kept = await h.ctx.store.workspaces.require(ws.id);
    expect(handoffSettings(kept).reassign).toStrictEqual({ mode: 'off' });
    expect(await storedWebhook(kept.id)).toBe(secret);
    await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'default',
      whyAs: 'task',
      whyEvents: '10',
      reassignMode: 'off',
      slaWebhookRemove: 'on',
    });
    expect((await h.ctx.store.workspaces.require(ws.id)).settings.sla).toStrictEqual({});
    expect(await storedWebhook(ws.id)).toBeNull();

    // Each save is in the audit log, by whom and what changed; the URL only as set or removed.
    const audit = (await h.ctx.store.audit.list(ws.id)).filter((e) => e.action === 'workspace.handoff');
    expect(audit.map((e) => [e.actor, Object.keys(e.details.changed as object).sort()])).toStrictEqual([
      ['web', ['reassign', 'slaWebhook']],
      ['web', ['reassign']],
      ['web', ['slaWebhook']],
    ]);
    expect(audit[0]!.details.changed).toMatchObject({
      reassign: { from: { mode: 'off' }, to: { mode: 'round_robin', stages: ['sql', 'sal'] } },
      slaWebhook: { to: 'set' },
    });
    expect(audit[2]!.details.changed).toStrictEqual({ slaWebhook: { from: 'set', to: 'removed' } });
    expect(JSON.stringify(audit)).not.toContain('XyZsecretTOKEN123');
  });

  it('refuses reassignment stages the model has no SLA for, naming them beside the field', async () => {
    const ws = await slaWorkspace();
    const b = await browser();
    const post = (reassignStages: string) =>
      b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
        ownerMode: 'default',
        whyAs: 'task',
        whyEvents: '10',
        reassignMode: 'owner',
        reassignOwner: '005000000000003',
        reassignStages,
      });
    const unknown = await post('sql, mql');
    expect(unknown.status).toBe(400);
    expect(fieldError(await unknown.text(), 'h-reassign-stages')).toBe(
      'settings.handoff.reassign.stages: the model has no stage &quot;mql&quot; (stages with an SLA: sal, sql)',
    );
    const noSla = await post('lead');
    expect(noSla.status).toBe(400);
    expect(fieldError(await noSla.text(), 'h-reassign-stages')).toBe(
      'settings.handoff.reassign.stages: stage &quot;lead&quot; has no SLA in the model (stages with an SLA: sal, sql)',
    );
    // The API door refuses the same, through the same core; nothing was saved or audited.
    const api = await h.admin(`/api/workspaces/${ws.id}/handoff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reassign: { mode: 'owner', ownerId: '005000000000003', stages: ['mql'] } }),
    });
    expect(api.status).toBe(400);
    expect(await api.text()).toContain('the model has no stage \\"mql\\"');
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(handoffSettings(stored).reassign).toStrictEqual({ mode: 'off' });
    expect(await h.ctx.store.audit.list(ws.id)).toStrictEqual([]);
  });

  it('names a reassign owner that is not an id beside its field, keeping what was typed', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'default',
      whyAs: 'task',
      whyEvents: '10',
      reassignMode: 'owner',
      reassignOwner: 'Ava Smith',
      reassignStages: 'sql',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'h-reassign-owner-id')).toMatch(
      /^settings\.handoff\.reassign\.ownerId: must be a user or queue id/,
    );
    expect(html).toContain('aria-describedby="h-reassign-owner-id-error h-reassign-owner-help"');
    expect(html).toContain('value="owner" checked');
    expect(html).toContain('value="Ava Smith"');
    expect(html).toContain('value="sql"');
    expect(handoffSettings(await h.ctx.store.workspaces.require(ws.id)).reassign).toStrictEqual({
      mode: 'off',
    });
  });

  it('refuses a plain-http webhook to another host beside its field, without echoing the URL', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const res = await b.post(`/workspaces/${ws.id}/handoff`, `/workspaces/${ws.id}/handoff`, {
      ownerMode: 'round_robin',
      users: '005000000000001',
      whyAs: 'task',
      whyEvents: '10',
      reassignMode: 'off',
      slaWebhook: 'http://hooks.example.com/services/T1/B2/plainTOKEN987',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'h-webhook')).toMatch(/^settings\.sla\.webhookUrl: must be an https URL/);
    expect(html).not.toContain('plainTOKEN987');
    expect(html).toContain('The URL you typed was not kept (it is a credential): type it again.');
    expect(html).toContain('005000000000001</textarea>');
    const stored = await h.ctx.store.workspaces.require(ws.id);
    expect(stored.settings.sla).toBeUndefined();
    expect(handoffSettings(stored).owner).toStrictEqual({ mode: 'default' });
  });
});

describe('the SLA webhook through the API door', () => {
  it('saves a workspace URL through the same core, answering and logging only its host', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const secret = 'https://hooks.slack.com/services/T0AAA/B0BBB/apiSECRET456';
    const res = await h.admin(
      `/api/workspaces/${ws.id}/handoff`,
      jsonRequest('PUT', { slaWebhookUrl: secret }),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      handoff: { reassign: { mode: 'off' } },
      slaWebhook: { source: 'workspace', shown: 'https://hooks.slack.com/…' },
    });
    expect(await storedWebhook(ws.id)).toBe(secret);

    const refused = await h.admin(
      `/api/workspaces/${ws.id}/handoff`,
      jsonRequest('PUT', { slaWebhookUrl: 'http://hooks.example.com/services/T1/B2/apiPLAIN789' }),
    );
    expect(refused.status).toBe(400);
    const refusedText = await refused.text();
    expect(refusedText).toContain('settings.sla.webhookUrl: must be an https URL');
    // Refused: the earlier URL stays.
    expect(await storedWebhook(ws.id)).toBe(secret);

    const off = await h.admin(
      `/api/workspaces/${ws.id}/handoff`,
      jsonRequest('PUT', { slaWebhookUrl: 'off' }),
    );
    expect(((await off.json()) as { slaWebhook: unknown }).slaWebhook).toStrictEqual({ source: 'none' });
    for (const t of [text, refusedText, h.logs.join('\n')]) {
      expect(t).not.toContain('apiSECRET456');
      expect(t).not.toContain('apiPLAIN789');
    }
  });
});

describe('sync requests from the sync health page', () => {
  it('queues a full resync while a sync waits, and says when one was already queued', async () => {
    const ws = await h.createWorkspace('acme', 'hubspot');
    const b = await browser();
    const path = `/workspaces/${ws.id}/sync`;
    const asked = async (fields: Record<string, string>) => location(await b.post(path, path, fields), h.url);
    expect(await asked({})).toBe(`${h.url}${path}?queued=sync`);
    expect(await asked({ full: '1' })).toBe(`${h.url}${path}?queued=full`);
    expect(await asked({ full: '1' })).toBe(`${h.url}${path}?already=full`);
    const jobs = await h.ctx.queues.sync.getJobs(['waiting']);
    expect(jobs.map((j) => (j.data as { full?: boolean }).full ?? false).sort()).toStrictEqual([false, true]);
    const html = await (await b.get(`${path}?already=full`)).text();
    expect(html).toContain('A full resync is already queued or running: it was not queued twice.');
  });
});
