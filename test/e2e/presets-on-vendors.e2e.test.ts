/**
 * Every shipped preset on both sources: one workspace per source switched through every preset and
 * synced each time against the sandboxes. No preset may leave a record error (a stage the vendor
 * lacks, a fact nothing supplies), and each must bring somebody to its handoff stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { createSandboxWorkspace } from '../../src/demo/run-demo.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { listPresets, loadModel } from '../../src/qualification/index.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

const PRESETS = await listPresets();

describe.each(['hubspot', 'mautic'] as const)('every preset on the %s sandbox', (source) => {
  let t: TestStore;
  let sandbox: SandboxServer;
  let workspaceId: string;

  beforeAll(async () => {
    t = await openTestStore('pglite');
    sandbox = await startSandboxServer({ port: 0, contacts: 400, seed: 42 });
    ({ workspaceId } = await createSandboxWorkspace(t.store, sandbox, {
      name: `presets-${source}`,
      source,
      modelRef: 'preset:hubspot-lifecycle',
    }));
  });

  afterAll(async () => {
    await sandbox?.close();
    await t?.cleanup();
  });

  // In order: each preset starts from the stages the previous one left in the vendor.
  it.each(PRESETS)('preset:%s syncs without record errors and reaches its handoff stage', async (preset) => {
    const { source: text, model } = await loadModel(`preset:${preset}`);
    await t.store.workspaces.setModel(workspaceId, {
      text: text.text,
      ref: text.ref,
      version: model.version,
    });
    const registry = createRegistry(await builtinConnectors());
    const summary = await runSync({
      store: t.store,
      registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace: workspaceId,
    });

    expect(summary.errors).toEqual([]);
    expect(await t.store.recordErrors.list(workspaceId)).toEqual([]);
    const byStage = await t.store.decisions.countByStage(workspaceId);
    const handoff = model.stages.findIndex((s) => s.key === model.handoffStage);
    const atOrPast = model.stages.slice(handoff).reduce((n, s) => n + (byStage[s.key] ?? 0), 0);
    expect(handoff).toBeGreaterThanOrEqual(0);
    expect(atOrPast).toBeGreaterThan(0);
    // Every stage the model gave a contact is in the vendor: nothing fell outside the model.
    expect(Object.keys(byStage).every((k) => model.stages.some((s) => s.key === k))).toBe(true);
  });
});
