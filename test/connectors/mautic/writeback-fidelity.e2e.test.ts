/**
 * A 3,000-contact sync of the Mautic sandbox, which keeps fields the way Mautic 5.1 does (text
 * lengths, zero-valued numbers dropped, stage log entries per Stages API call, batches of 200):
 * every decision's stage, score and reason must arrive, and a resync with nothing new writes nothing.
 * The expected Mautic values are derived from the stored decisions by Mautic's rules (whole
 * numbers, 0 as blank, at most 191 characters cut between words), not by the connector's code.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistry } from '../../../src/pipeline/registry.ts';
import { loadMauticMapping, mauticConnector } from '../../../connectors/mautic/index.ts';
import { createMauticSandbox, type MauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';
import { silentLogger } from '../../../src/log.ts';
import { runSync } from '../../../src/pipeline/index.ts';
import { DEFAULT_PRESET, loadModel } from '../../../src/qualification/index.ts';
import { openTestStore, type TestStore } from '../../helpers/db.ts';
import { listen, mauticConnection, type Listening } from './sync-rig.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const CONTACTS = 3000;
let t: TestStore;
let server: Listening;
let mautic: MauticSandbox;
let base: string;

beforeAll(async () => {
  t = await openTestStore('pglite');
  const app = express();
  server = await listen(app);
  base = server.base;
  // An instance in a time zone other than UTC: timeline timestamps carry its offset.
  mautic = createMauticSandbox({
    seed: 7,
    contacts: CONTACTS,
    now: () => NOW,
    publicUrl: `${base}/mautic`,
    timeZone: 'America/New_York',
  });
  app.use('/mautic', mautic.router);
}, 180_000);

afterAll(async () => {
  await server.close();
  await t.cleanup();
});

describe('when 3,000 Mautic contacts are synced and written back', () => {
  it('should land every stage, score and reason with no errors, then write nothing on a resync', async () => {
    const { store } = t;
    const { source: text, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
    const registry = createRegistry([mauticConnector]);
    const ws = await store.workspaces.create({
      name: 'mautic-fidelity',
      sourceVendor: 'mautic',
      crmVendor: 'salesforce',
      model: { text: text.text, ref: text.ref, version: model.version },
    });
    // The local sandbox needs no politeness budget; the default (20/s) would make this test slow.
    const conn = await mauticConnection(store, mautic, `${base}/mautic`, {
      rateLimit: { max: 10_000, windowMs: 1000 },
    });
    await store.workspaces.setConnection(ws.id, 'source', conn.id);
    const options = { store, registry, log: silentLogger, workspace: ws.name };

    const first = await runSync(options);
    expect(first.errors).toStrictEqual([]);
    expect(first.pulled.contacts).toBe(CONTACTS);
    expect(first.writtenBack).toBe(CONTACTS);

    const mapping = loadMauticMapping();
    const ids = Array.from({ length: CONTACTS }, (_, i) => String(i + 1));
    const decisions = await store.decisions.forContacts(ws.id, ids);
    expect(decisions.size).toBe(CONTACTS);
    let zeros = 0;
    let cut = 0;
    for (const [id, d] of decisions) {
      const contact = mautic.contact(Number(id))!;
      const all = contact.fields.all;
      // The mapping's Mautic name for the stage, else the model's label for it (mappings/mautic.yaml).
      const label = model.stages.find((s) => s.key === d.stage)?.label;
      expect(contact.stage?.name).toBe(mapping.stages[d.stage] ?? label);
      // Mautic keeps whole numbers; 0 is only representable as a blank field.
      const total = Math.round(d.scores.total ?? 0) || 0; // never -0
      if (total === 0) zeros++;
      expect(all.ls_score ?? 0).toBe(total);
      const reason = String(all.ls_reason);
      expect([...reason].length).toBeLessThanOrEqual(191);
      if (reason === d.summary) continue;
      cut++;
      expect(reason.endsWith('…')).toBe(true);
      const head = reason.slice(0, -1);
      expect(d.summary.startsWith(head)).toBe(true);
      // Cut between words: the original goes on with a space or punctuation after the kept text.
      expect(d.summary.slice(head.length)).toMatch(/^[\s,;:.-]/);
    }
    // The seeded data reaches both edge cases, so the checks above ran on them.
    expect(zeros).toBeGreaterThan(0);
    expect(cut).toBeGreaterThan(0);

    const calls = mautic.stats().calls;
    expect(calls['PATCH /api/contacts/batch/edit']).toBe(CONTACTS / 200);
    // One Stages API call, hence one "Manually Added" log entry, per contact that had no stage.
    expect(mautic.state().stageLog).toHaveLength(CONTACTS);

    const before = { ...mautic.stats().calls };
    const second = await runSync(options);
    expect(second.errors).toStrictEqual([]);
    expect(second.writtenBack).toBe(0);
    const after = mautic.stats().calls;
    expect(after['PATCH /api/contacts/batch/edit']).toBe(before['PATCH /api/contacts/batch/edit']);
    expect(after['POST /api/stages/:id/contact/:contactId/add']).toBe(
      before['POST /api/stages/:id/contact/:contactId/add'],
    );
    expect(mautic.state().stageLog).toHaveLength(CONTACTS);
  }, 480_000);
});
