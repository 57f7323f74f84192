/**
 * `leadstage connect … --oauth` (and Salesforce, which always signs in through OAuth) from a
 * terminal, against the sandboxes' authorize and token endpoints: the command prints the authorize
 * URL and waits on a local port; the test plays the browser by requesting that URL, whose consent
 * redirects to the command's callback. Tokens end sealed in the store and never on the terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';

let db: TestStore;
let sandbox: SandboxServer;

beforeAll(async () => {
  db = await openTestStore('postgres');
  sandbox = await startSandboxServer({ port: 0, contacts: 10 });
  const { source, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  const text = { text: source.text, ref: source.ref, version: model.version };
  await db.store.workspaces.create({
    name: 'hs',
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: text,
  });
  await db.store.workspaces.create({ name: 'mt', sourceVendor: 'mautic', crmVendor: null, model: text });
});

afterAll(async () => {
  await sandbox?.close();
  await db?.cleanup();
});

const env = () => ({
  DATABASE_URL: db.databaseUrl,
  LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  HUBSPOT_API_BASE_URL: `${sandbox.url}/hubspot`,
  SALESFORCE_LOGIN_URL: sandbox.salesforceUrl,
});

/** Runs the command and, as a browser would, opens the address it prints (once). */
async function connectInBrowser(args: string[], browse = true): Promise<{ run: CliResult; status?: number }> {
  let status: number | undefined;
  let opened: Promise<void> | undefined;
  let seen = '';
  const run = await runCli([...args, '--port', '0'], {
    env: env(),
    onStdout: (chunk) => {
      seen += chunk;
      const url = /^ {2}(http\S+)$/m.exec(seen)?.[1];
      if (browse && url && !opened) {
        // The sandbox consents at once and redirects to the command's loopback callback.
        opened = fetch(url).then((res) => {
          status = res.status;
          return res.text().then(() => undefined);
        });
      }
    },
  });
  await opened;
  return { run, ...(status !== undefined ? { status } : {}) };
}

async function sourceConnection(name: string) {
  const ws = await db.store.workspaces.require(name);
  return db.store.connections.require(ws.sourceConnectionId!);
}

describe('when an admin connects HubSpot through OAuth', () => {
  it('should store the tokens sealed after the browser comes back', { timeout: 120_000 }, async () => {
    const { run, status } = await connectInBrowser(['connect', 'hubspot', '--workspace', 'hs', '--oauth']);
    expect(status).toBe(200);
    expect(run.stdout).toContain(`${sandbox.url}/hubspot/oauth/authorize?`);
    expect(run.stdout).toMatch(/connected hubspot account \d+ at .*\/hubspot to hs/);
    const connection = await sourceConnection('hs');
    const creds = await db.store.connections.readCredentials(connection.id);
    expect(creds.kind).toBe('oauth2');
    if (creds.kind !== 'oauth2') return;
    expect(creds.refreshToken).toBeTruthy();
    expect(run.stdout + run.stderr).not.toContain(creds.accessToken);
    expect(run.stdout + run.stderr).not.toContain(creds.refreshToken!);
  });
});

describe('when an admin connects a different HubSpot account from a terminal', () => {
  it(
    "should revoke the replaced account's tokens and remove its connection, as the web app does",
    { timeout: 120_000 },
    async () => {
      await connectInBrowser(['connect', 'hubspot', '--workspace', 'hs', '--oauth']);
      const first = await sourceConnection('hs');
      // The sandbox has one portal: renaming the stored account makes the next grant another account's.
      await db.store.db.query(`UPDATE connections SET account_id = 'account-a' WHERE id = $1`, [first.id]);
      const revokesBefore = sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke'] ?? 0;
      const { run } = await connectInBrowser(['connect', 'hubspot', '--workspace', 'hs', '--oauth']);
      expect(run.stdout).toContain(
        `the account it replaces (connection ${first.id}) was disconnected: its tokens revoked`,
      );
      expect(sandbox.hubspot.stats().calls['POST /oauth/v3/token/revoke']).toBe(revokesBefore + 1);
      const second = await sourceConnection('hs');
      expect(second.id).not.toBe(first.id);
      const hubspot = (await db.store.connections.list()).filter((c) => c.vendor === 'hubspot');
      expect(hubspot.map((c) => c.id)).toEqual([second.id]);
    },
  );
});

describe('when an admin connects Salesforce', () => {
  it('should run the OAuth flow with PKCE and attach the org as the CRM', { timeout: 120_000 }, async () => {
    const { run, status } = await connectInBrowser(['connect', 'salesforce', '--workspace', 'hs']);
    expect(status).toBe(200);
    expect(run.stdout).toContain('code_challenge_method=S256');
    const ws = await db.store.workspaces.require('hs');
    const crm = await db.store.connections.require(ws.crmConnectionId!);
    expect(crm.vendor).toBe('salesforce');
    expect(crm.baseUrl).toBe(sandbox.salesforceUrl);
    expect((await db.store.connections.readCredentials(crm.id)).kind).toBe('oauth2');
  });
});

describe('when an admin connects Mautic through OAuth', () => {
  const args = ['connect', 'mautic', '--workspace', 'mt', '--oauth'];

  it(
    'should probe the batch stage write and record that the instance takes it',
    { timeout: 120_000 },
    async () => {
      sandbox.mautic.features.stageInEdit = true;
      const { run } = await connectInBrowser([...args, '--base-url', `${sandbox.url}/mautic/`]);
      expect(run.stdout).toContain('stages ride in the batch edit');
      const connection = await sourceConnection('mt');
      expect(connection.baseUrl).toBe(`${sandbox.url}/mautic`);
      expect(connection.config.stageWrite).toBe('batch');
    },
  );

  it(
    'should fall back to the Stages API when the instance refuses the stage',
    { timeout: 120_000 },
    async () => {
      sandbox.mautic.features.stageInEdit = false;
      const before = await sourceConnection('mt');
      const { run } = await connectInBrowser([...args, '--base-url', `${sandbox.url}/mautic`]);
      sandbox.mautic.features.stageInEdit = true;
      expect(run.stdout).toContain('refused a stage in the batch edit');
      // The same instance again: the one connection is re-pointed and its answer replaced.
      const connection = await sourceConnection('mt');
      expect(connection.id).toBe(before.id);
      expect(connection.config.stageWrite).toBe('stages_api');
    },
  );

  it('should give up when no browser comes back in time', { timeout: 120_000 }, async () => {
    const { run } = await connectInBrowser(
      [...args, '--base-url', `${sandbox.url}/mautic`, '--timeout', '1'],
      false,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('no answer from the browser within 1 s');
  });
});
