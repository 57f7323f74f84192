/**
 * `leadstage connect hubspot` from a terminal, against the HubSpot sandbox: the private-app token is
 * stored sealed and attached, the doctor runs with it (a wrong token is a blocking finding), and
 * connecting the same account again re-points the one connection at the new base URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SANDBOX_PRIVATE_APP_TOKEN } from '../../connectors/hubspot/index.ts';
import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';

let db: TestStore;
let sandbox: SandboxServer;

beforeAll(async () => {
  db = await openTestStore('postgres');
  sandbox = await startSandboxServer({ port: 0, contacts: 10 });
  const { source, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  await db.store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: { text: source.text, ref: source.ref, version: model.version },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await db?.cleanup();
});

describe('leadstage connect hubspot', () => {
  const cli = (args: string[], token: string) =>
    runCli(args, {
      env: {
        DATABASE_URL: db.databaseUrl,
        LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        HUBSPOT_PRIVATE_APP_TOKEN: token,
      },
    });

  it('stores the token, checks it, and re-points the same account', { timeout: 180_000 }, async () => {
    const args = (base: string) => [
      'connect',
      'hubspot',
      '--workspace',
      'acme',
      '--account',
      '4242',
      '--base-url',
      base,
    ];
    const ok = await cli(args(`${sandbox.url}/hubspot`), SANDBOX_PRIVATE_APP_TOKEN);
    expect(ok.stdout).toContain(`connected hubspot account 4242 at ${sandbox.url}/hubspot to acme`);
    // The token works: the doctor asked the portal, and only the missing CRM is left to say.
    expect(ok.stdout).not.toContain('connection_failed');
    expect(ok.stdout).toContain('WARNING  not_connected vendor:salesforce');
    expect(ok.code).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(SANDBOX_PRIVATE_APP_TOKEN);

    const ws = await db.store.workspaces.require('acme');
    const connection = await db.store.connections.require(ws.sourceConnectionId!);
    expect(await db.store.connections.readCredentials(connection.id)).toEqual({
      kind: 'private_app',
      token: SANDBOX_PRIVATE_APP_TOKEN,
    });

    const wrong = await cli(args(`${sandbox.url}/hubspot/`), 'pat-na1-not-a-token');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('BLOCKING connection_failed vendor:hubspot');
    const after = await db.store.workspaces.require('acme');
    expect(after.sourceConnectionId).toBe(connection.id);
    expect((await db.store.connections.require(connection.id)).baseUrl).toBe(`${sandbox.url}/hubspot`);
  });
});
