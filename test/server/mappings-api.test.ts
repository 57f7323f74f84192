/**
 * Per-workspace mappings and the doctor through the JSON API: the vendor default until the workspace
 * saves its own, validation naming line and field, reset, and the check's findings on a model built
 * to be broken (expected findings written by hand from the model and mappings/hubspot.yaml).
 */
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadEngine } from '../../src/pipeline/engine.ts';

import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const send = (method: string, body: unknown): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

interface MappingJson {
  vendor: string;
  role: string;
  origin: string;
  text: string;
  savedAt: string | null;
  outline: { facts: { property: string; field: string }[]; stages: Record<string, string> };
}

const OWN_HUBSPOT = `contactProperties:
  email: email
  budget: { property: annual_budget, type: number }
stages:
  mql: marketingqualifiedlead
writeBack: { scorePrefix: ls_, reason: ls_reason, modelVersion: ls_version }
`;

describe('workspace mappings in the JSON API', () => {
  it('shows the vendor defaults, saves the workspace its own, and resets it', async () => {
    await h.createWorkspace('acme', 'hubspot');
    const listed = (await (await h.admin('/api/workspaces/acme/mappings')).json()) as {
      mappings: MappingJson[];
    };
    expect(listed.mappings.map((m) => [m.vendor, m.role, m.origin])).toEqual([
      ['hubspot', 'source', 'default'],
      ['salesforce', 'crm', 'default'],
    ]);
    // mappings/hubspot.yaml: employees come from numberofemployees, mql is marketingqualifiedlead.
    const hubspot = listed.mappings[0]!;
    expect(hubspot.outline.facts).toContainEqual({ property: 'employees', field: 'numberofemployees' });
    expect(hubspot.outline.stages.mql).toBe('marketingqualifiedlead');

    const saved = await h.admin('/api/workspaces/acme/mappings/hubspot', send('PUT', { text: OWN_HUBSPOT }));
    expect(saved.status).toBe(200);
    const body = (await saved.json()) as { saved: boolean; mapping: MappingJson };
    expect(body.saved).toBe(true);
    expect(body.mapping.origin).toBe('workspace');
    expect(body.mapping.outline.facts).toEqual([
      { property: 'email', field: 'email' },
      { property: 'budget', field: 'annual_budget' },
    ]);
    const again = (await (await h.admin('/api/workspaces/acme/mappings/hubspot')).json()) as {
      mapping: MappingJson;
    };
    expect(again.mapping.text).toBe(OWN_HUBSPOT);

    const reset = await h.admin('/api/workspaces/acme/mappings/hubspot', { method: 'DELETE' });
    const resetBody = (await reset.json()) as { mapping: MappingJson };
    expect(resetBody.mapping.origin).toBe('default');
  });

  it('refuses an invalid mapping naming its line and field, and saves nothing', async () => {
    await h.createWorkspace('acme', 'hubspot');
    // Line 3: a label where HubSpot wants an internal name (a-z, 0-9, _).
    const bad =
      'contactProperties:\n  email: email\n  budget: "Annual Budget"\nwriteBack: { scorePrefix: ls_, reason: r, modelVersion: v }\n';
    const res = await h.admin('/api/workspaces/acme/mappings/hubspot', send('PUT', { text: bad }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('acme/hubspot.yaml:3: contactProperties.budget');

    const dry = await h.admin(
      '/api/workspaces/acme/mappings/hubspot',
      send('PUT', { text: OWN_HUBSPOT, dryRun: true }),
    );
    expect(((await dry.json()) as { saved: boolean }).saved).toBe(false);
    const ws = await h.ctx.store.workspaces.require('acme');
    expect(ws.mappings).toEqual({});

    const wrongVendor = await h.admin(
      '/api/workspaces/acme/mappings/mautic',
      send('PUT', { text: OWN_HUBSPOT }),
    );
    expect(wrongVendor.status).toBe(400);
  });
});

describe('the doctor in the JSON API', () => {
  it('runs on a model before it is saved: the dry run names the fact the new model reads and nothing supplies', async () => {
    await h.createWorkspace('acme', 'hubspot');
    const yaml = readFileSync('test/fixtures/models/broken-for-doctor.yaml', 'utf8');
    const res = await h.admin('/api/workspaces/acme/model', send('PUT', { model: { yaml }, dryRun: true }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      saved: boolean;
      check: { findings: { severity: string; code: string; subject: string }[] };
    };
    expect(body.saved).toBe(false);
    // The same findings as the check of the saved model below: golf_handicap gates sql.
    expect(body.check.findings.map((f) => `${f.severity} ${f.code} ${f.subject}`)).toContain(
      'blocking fact_unmapped fact:golf_handicap',
    );
    const ws = await h.ctx.store.workspaces.require('acme');
    expect(ws.model.text).not.toBe(yaml);

    // The console's model editor preview carries the same check.
    const preview = await h.admin(`/api/workspaces/${ws.id}/model/preview`, send('POST', { yaml }));
    expect(preview.status).toBe(200);
    const shown = (await preview.json()) as { check: { findings: { code: string; subject: string }[] } };
    expect(shown.check.findings.map((f) => `${f.code} ${f.subject}`)).toContain(
      'fact_unmapped fact:golf_handicap',
    );
  });

  it('names the unmapped stage, the fact and event nothing supplies, and the missing connections', async () => {
    const ws = await h.createWorkspace('broken', 'hubspot');
    const text = readFileSync('test/fixtures/models/broken-for-doctor.yaml', 'utf8');
    const engine = await loadEngine();
    const model = engine.compileModelText(text, 'broken.yaml');
    await h.ctx.store.workspaces.setModel(ws.id, { text, ref: 'broken.yaml', version: model.version });

    const res = await h.admin('/api/workspaces/broken/check?live=false');
    expect(res.status).toBe(200);
    const { check } = (await res.json()) as {
      check: {
        ok: boolean;
        findings: { severity: string; code: string; subject: string }[];
        stages: { stage: string; vendor: string; value: string | null; how: string; from?: string }[];
        facts: { kind: string; name: string; suppliedBy: string | null }[];
      };
    };
    expect(check.ok).toBe(false);
    const brief = check.findings.map((f) => `${f.severity} ${f.code} ${f.subject}`);
    // golf_handicap gates sql: blocking. webinar_attended is only scored: a warning. tsql has no
    // lifecycle value in mappings/hubspot.yaml and takes mql's. Nothing is connected.
    expect(brief).toEqual(
      expect.arrayContaining([
        'blocking fact_unmapped fact:golf_handicap',
        'warning event_unmapped event:webinar_attended',
        'warning stage_fallback stage:tsql',
        'blocking not_connected vendor:hubspot',
        'warning not_connected vendor:salesforce',
      ]),
    );
    expect(brief).toHaveLength(5);
    expect(check.stages.filter((s) => s.vendor === 'hubspot')).toEqual([
      { stage: 'lead', label: 'Lead', vendor: 'hubspot', value: 'lead', how: 'mapped' },
      { stage: 'mql', label: 'MQL', vendor: 'hubspot', value: 'marketingqualifiedlead', how: 'mapped' },
      {
        stage: 'tsql',
        label: 'Tele-sales qualified',
        vendor: 'hubspot',
        value: 'marketingqualifiedlead',
        how: 'fallback',
        from: 'mql',
      },
      { stage: 'sql', label: 'SQL', vendor: 'hubspot', value: 'salesqualifiedlead', how: 'mapped' },
    ]);
    expect(check.facts).toContainEqual({
      kind: 'property',
      name: 'budget',
      readBy: ['stage:tsql'],
      suppliedBy: 'hubspot:bant_budget',
    });
  });
});
