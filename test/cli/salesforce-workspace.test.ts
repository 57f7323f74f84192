import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/db.ts';

let dir: string;
let sandbox: SandboxServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadstage-sf-check-'));
  sandbox = await startSandboxServer({ port: 0, contacts: 1, seed: 1 });
  const store = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
  const tokens = sandbox.salesforce.oauth.issueTokens();
  const crm = await store.connections.create({
    vendor: 'salesforce',
    baseUrl: tokens.instance_url,
    credentials: {
      kind: 'oauth2',
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token!,
      instanceUrl: tokens.instance_url,
    },
  });
  const { source, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  const ws = await store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: { text: source.text, ref: source.ref, version: model.version },
  });
  await store.workspaces.setConnection(ws.id, 'crm', crm.id);
  await store.close();
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe('leadstage salesforce check --workspace', () => {
  const env = () => ({
    LEADSTAGE_DATA_DIR: dir,
    LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    DATABASE_URL: '',
  });

  it("checks the workspace's stored connection against its model's dimensions", async () => {
    const ok = await runCli(['salesforce', 'check', '--workspace', 'acme'], { env: env() });
    expect(ok.stdout).toContain(
      'every field leadstage writes exists (workspace acme, model hubspot-lifecycle)',
    );
    expect(ok.code).toBe(0);

    sandbox.salesforce.faults.removeField('Lead', 'Leadstage_Fit_Score__c');
    const missing = await runCli(['salesforce', 'check', '--workspace', 'acme'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/1 thing to set up/);
    expect(missing.stdout).toContain('Leadstage_Fit_Score__c');
  });
});
