/** A workspace wired to fake connectors, a controllable clock and hand-built models. */
import { randomUUID } from 'node:crypto';

import {
  FakeCrmSystem,
  FakeSourceSystem,
  fakeCrmDefinition,
  fakeSourceDefinition,
} from '../../connectors/fake/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { silentLogger } from '../../src/log.ts';
import type { CompiledModel } from '../../src/model.ts';
import { requalifyContacts, runSync, type RunSyncOptions } from '../../src/pipeline/index.ts';
import type { Store, Workspace } from '../../src/store/index.ts';
import { modelFields, testModel } from '../helpers/model.ts';

export const START = new Date('2026-03-02T09:00:00.000Z');

export interface Harness {
  store: Store;
  workspace: Workspace;
  source: FakeSourceSystem;
  crm: FakeCrmSystem;
  clock: { now: Date; advance(ms: number): void };
  run(options?: Partial<RunSyncOptions>): ReturnType<typeof runSync>;
  requalify(ids: string[]): ReturnType<typeof requalifyContacts>;
  setModel(model: CompiledModel): Promise<void>;
  baseOptions(): Omit<RunSyncOptions, 'workspace'>;
}

const models = new Map<string, CompiledModel>();

/** Compiles the hand-built models by the text `modelFields` saved for them. */
export function compileTestModel(text: string): CompiledModel {
  const model = models.get(text);
  if (!model) throw new Error(`no hand-built model saved as ${text}`);
  return model;
}

export function remember(model: CompiledModel): ReturnType<typeof modelFields> {
  const fields = modelFields(model);
  models.set(fields.text, model);
  return fields;
}

export async function createHarness(
  store: Store,
  options: { model?: CompiledModel; withCrm?: boolean } = {},
): Promise<Harness> {
  const clock = {
    now: new Date(START),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const now = () => new Date(clock.now);
  const source = new FakeSourceSystem(now);
  const crm = new FakeCrmSystem(now);
  const registry = createRegistry([fakeSourceDefinition(source), fakeCrmDefinition(crm)]);
  const credentials = { kind: 'private_app' as const, token: 'test-token' };
  const sourceConn = await store.connections.create({
    vendor: 'hubspot',
    baseUrl: 'http://fake-source.invalid',
    accountId: 'portal-1',
    credentials,
  });
  let workspace = await store.workspaces.create({
    name: `ws-${randomUUID().slice(0, 8)}`,
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: remember(options.model ?? testModel()),
  });
  workspace = await store.workspaces.setConnection(workspace.id, 'source', sourceConn.id);
  if (options.withCrm !== false) {
    const crmConn = await store.connections.create({
      vendor: 'salesforce',
      baseUrl: 'http://fake-crm.invalid',
      credentials,
    });
    workspace = await store.workspaces.setConnection(workspace.id, 'crm', crmConn.id);
  }
  const baseOptions = () => ({ store, registry, log: silentLogger, now, compileModel: compileTestModel });
  return {
    store,
    workspace,
    source,
    crm,
    clock,
    baseOptions,
    run: (o = {}) => runSync({ ...baseOptions(), workspace: workspace.name, ...o }),
    requalify: (ids) => requalifyContacts(store, workspace.name, ids, baseOptions()),
    async setModel(model) {
      await store.workspaces.setModel(workspace.id, remember(model));
    },
  };
}

/** The standard scenario: five contacts across the marketing stages, one with a booked meeting. */
export function seedContacts(h: Harness): void {
  const { source } = h;
  source.setContact('c1', { email: 'c1@acme.io', fit: 60 });
  source.setContact('c2', { email: 'c2@acme.io', fit: 10 });
  source.setContact('c3', { fit: 0 });
  source.setContact('c4', { email: 'c4@acme.io', fit: 20 });
  source.setContact('c5', { email: 'c5@acme.io', fit: 0 });
  source.addEvent({ id: 'e1', contactId: 'c4', type: 'meeting_booked', at: h.clock.now.toISOString() });
  for (let i = 0; i < 5; i++) {
    source.addEvent({ id: `o${i}`, contactId: 'c5', type: 'email_open', at: h.clock.now.toISOString() });
  }
}

/** Everything that must match between a clean run and a crashed-and-rerun one. */
export async function endState(h: Harness) {
  const ws = h.workspace.id;
  const ids = [...h.source.contacts.keys()].sort();
  const decisions = await h.store.decisions.forContacts(ws, ids);
  const history: Record<string, string[]> = {};
  for (const id of ids) {
    history[id] = (await h.store.decisions.history(ws, id)).map(
      (s) => `${s.stage}@${s.enteredAt}..${s.exitedAt ?? ''}`,
    );
  }
  return {
    sourceStages: Object.fromEntries(ids.map((id) => [id, h.source.stageOf(id) ?? null])),
    decisions: Object.fromEntries(
      ids.map((id) => [id, decisions.get(id) ? [decisions.get(id)!.stage, decisions.get(id)!.scores] : null]),
    ),
    history,
    crmLeads: [...h.crm.leads.values()]
      .map((l) => [l.externalId, l.crmId, l.record.stage, l.convertedContactId ?? null])
      .sort(),
    crmContacts: [...h.crm.contacts.values()].map((c) => [c.crmId, c.record.stage]).sort(),
    crmCreates: [...h.crm.creates].sort(),
    links: (await h.store.links.list(ws)).map((l) => [
      l.contactId,
      l.externalId,
      l.crmId,
      l.convertedContactId,
      l.handedStage,
    ]),
    pendingWrites: await h.store.decisions.countPendingWrites(ws),
    pendingQualification: (await h.store.contacts.page(ws, { pendingOnly: true })).map((c) => c.id),
    recordErrors: await h.store.recordErrors.list(ws),
  };
}
