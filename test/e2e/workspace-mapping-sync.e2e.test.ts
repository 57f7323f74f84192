/**
 * A sync uses the workspace's own mapping, not the vendor default: the workspace renames the
 * HubSpot property the reason is written to, and after a sync through the sandbox the portal's
 * contacts carry the reason in that property and nothing in the default one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { createSandboxWorkspace } from '../../src/demo/run-demo.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { setMappingEntry } from '../../src/mappings/index.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

describe('a sync with a workspace mapping', () => {
  let t: TestStore;
  let sandbox: SandboxServer;

  beforeAll(async () => {
    t = await openTestStore('postgres');
    sandbox = await startSandboxServer({ port: 0, contacts: 120, seed: 7 });
  });

  afterAll(async () => {
    await sandbox?.close();
    await t?.cleanup();
  });

  it('writes where the workspace mapping says, not where mappings/hubspot.yaml says', async () => {
    const { workspaceId } = await createSandboxWorkspace(t.store, sandbox, {
      name: 'own-mapping',
      source: 'hubspot',
      modelRef: 'preset:hubspot-lifecycle',
    });
    const registry = createRegistry(await builtinConnectors());
    const ws = await t.store.workspaces.require(workspaceId);
    await setMappingEntry({ store: t.store, registry }, ws, 'hubspot', 'writeBack.reason', 'acme_why');

    const summary = await runSync({
      store: t.store,
      registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace: workspaceId,
    });
    expect(summary.errors).toEqual([]);

    const contacts = [...sandbox.hubspot.portal.contacts.values()];
    const written = contacts.filter((c) => c.properties.leadstage_stage);
    expect(written.length).toBeGreaterThan(0);
    // Every contact leadstage wrote a stage to got its reason in the workspace's property…
    expect(written.every((c) => (c.properties.acme_why ?? '') !== '')).toBe(true);
    // …and none in the default's leadstage_stage_reason.
    expect(contacts.filter((c) => c.properties.leadstage_stage_reason)).toEqual([]);
  });
});
