/**
 * A workspace's own SLA webhook through the real HubSpot and Salesforce sandboxes, on one
 * controllable clock: the breach goes to the URL saved on the workspace (through the same core as
 * the CLI, API and console), not to the deployment's `LEADSTAGE_SLA_WEBHOOK_URL`, as Slack-compatible
 * JSON. Instants by hand (as in sla-reassign.e2e): an SQL handed off on Friday 2026-03-06 16:00 with
 * 24 business hours of Monday–Friday 09:00–17:00 UTC is due Wednesday 2026-03-11 16:00 (1 + 8 + 8 + 7).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { saveHandoffSettings } from '../../src/pipeline/handoff-settings.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';
import { sqlSlaModel } from '../helpers/sla-model.ts';

import { modelWorkspace } from './helpers.ts';

const MODEL_TEXT = sqlSlaModel('webhook e2e');

/** A receiver on this machine that keeps what it is sent. */
async function receiver(): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(text) as unknown });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

let t: TestStore;
let sandbox: SandboxServer | undefined;
const servers: Server[] = [];
const envBefore = process.env.LEADSTAGE_SLA_WEBHOOK_URL;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  for (const s of servers.splice(0)) s.close();
  if (envBefore === undefined) delete process.env.LEADSTAGE_SLA_WEBHOOK_URL;
  else process.env.LEADSTAGE_SLA_WEBHOOK_URL = envBefore;
});

describe('when a workspace has its own SLA webhook', () => {
  it("should post the breach to the workspace's URL, not the deployment's, as { text }", async () => {
    let nowMs = Date.parse('2026-03-06T15:00:00.000Z');
    sandbox = await startSandboxServer({ port: 0, contacts: 0, seed: 5, now: () => nowMs });
    const own = await receiver();
    const deployment = await receiver();
    servers.push(own.server, deployment.server);
    // The deployment's default is set too: the workspace's own URL must win over it.
    process.env.LEADSTAGE_SLA_WEBHOOK_URL = `${deployment.url}/default`;

    const ws = await modelWorkspace(t.store, sandbox, {
      modelText: MODEL_TEXT,
      ref: 'webhook-e2e.yaml',
      namePrefix: 'hook',
      now: () => nowMs,
    });
    await saveHandoffSettings(t.store, ws, { slaWebhookUrl: `${own.url}/services/T1/B2/tok` }, 'test');

    const registry = createRegistry(await builtinConnectors());
    const syncAt = (iso: string) => {
      nowMs = Date.parse(iso);
      // No slaWebhook option: the run finds where to send from the workspace, as the worker does.
      return runSync({
        store: t.store,
        registry,
        limiter: new MemoryRateLimiter(),
        log: silentLogger,
        workspace: ws.id,
        now: () => new Date(nowMs),
      });
    };
    const c1 = sandbox.hubspot.addContact({
      email: 'c1@initech.example',
      lastname: 'One',
      bant_budget: 'approved',
    });

    const handed = await syncAt('2026-03-06T16:00:00.000Z');
    expect(handed).toMatchObject({ errors: [], handedOff: 1 });
    const before = await syncAt('2026-03-11T15:59:00.000Z');
    expect(before.slaBreaches).toBe(0);
    expect(own.bodies).toStrictEqual([]);

    const due = await syncAt('2026-03-11T16:00:00.000Z');
    expect(due).toMatchObject({ slaBreaches: 1, warnings: [] });
    expect(own.bodies).toHaveLength(1);
    const sent = own.bodies[0] as { path: string; type: string; body: { text: string } };
    expect(sent.path).toBe('/services/T1/B2/tok');
    expect(sent.type).toBe('application/json');
    const link = (await t.store.links.forContacts(ws.id, [c1])).get(c1);
    expect(sent.body.text).toBe(
      `SLA breached in ${ws.name}: c1@initech.example (contact ${c1}) entered SQL Fri 6 Mar 16:00 UTC, ` +
        `sales had 24h of business hours (due Wed 11 Mar 16:00 UTC); still SQL; CRM record ${link?.crmId}.`,
    );
    expect(deployment.bodies).toStrictEqual([]);

    // Sent once: a later sync does not post the same breach again.
    await syncAt('2026-03-12T10:00:00.000Z');
    expect(own.bodies).toHaveLength(1);
  });

  it('should audit the URL only when it differs from the one kept: set, changed, removed, never the URL', async () => {
    sandbox = await startSandboxServer({ port: 0, contacts: 0, seed: 6 });
    const ws = await modelWorkspace(t.store, sandbox, {
      modelText: MODEL_TEXT,
      ref: 'audit.yaml',
      namePrefix: 'hookaudit',
    });
    const save = async (url: string | null) =>
      saveHandoffSettings(t.store, await t.store.workspaces.require(ws.id), { slaWebhookUrl: url }, 'test');
    const hooks = async () =>
      (await t.store.audit.list(ws.id))
        .filter((e) => e.action === 'workspace.handoff')
        .map((e) => (e.details.changed as { slaWebhook?: unknown }).slaWebhook);

    await save('https://hooks.slack.com/services/T1/B2/firstSECRET');
    await save('https://hooks.slack.com/services/T1/B2/firstSECRET');
    await save('https://hooks.slack.com/services/T1/B2/secondSECRET');
    await save(null);
    await save(null);
    expect(await hooks()).toStrictEqual([
      { from: null, to: 'set' },
      { from: 'set', to: 'changed' },
      { from: 'set', to: 'removed' },
    ]);
    expect(JSON.stringify(await t.store.audit.list(ws.id))).not.toMatch(/SECRET/);
  });
});
