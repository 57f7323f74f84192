/**
 * `sync --sandbox URL`: the demo's workspace follows the sandboxes to other ports, Salesforce's
 * instance URL included (the sandbox at URL names Salesforce's own port), and a real vendor account
 * is never re-pointed.
 */
import { createServer } from 'node:net';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { pointAtSandbox, readSandboxAddresses } from '../../src/demo/point-at-sandbox.ts';
import { startSandboxServer } from '../../src/sandbox/server.ts';
import type { Store } from '../../src/store/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

const MODEL = { text: 'name: t', ref: 'preset:t', version: 'v1' };

let t: TestStore;
let store: Store;
// One store for the file: opening PGlite is the slow part.
beforeAll(async () => {
  t = await openTestStore('pglite');
  store = t.store;
});
afterAll(async () => {
  await t.cleanup();
});

async function workspace(name: string, sourceBaseUrl: string) {
  const source = await store.connections.create({
    vendor: 'hubspot',
    baseUrl: sourceBaseUrl,
    accountId: 'sandbox',
    credentials: { kind: 'private_app', token: 'pat' },
  });
  const crm = await store.connections.create({
    vendor: 'salesforce',
    baseUrl: 'http://127.0.0.1:4011',
    accountId: 'org',
    credentials: {
      kind: 'oauth2',
      accessToken: 'a',
      refreshToken: 'r',
      instanceUrl: 'http://127.0.0.1:4011',
    },
  });
  const ws = await store.workspaces.create({
    name,
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: MODEL,
  });
  await store.workspaces.setConnection(ws.id, 'source', source.id);
  await store.workspaces.setConnection(ws.id, 'crm', crm.id);
  return { ws: await store.workspaces.require(ws.id), source, crm };
}

const ELSEWHERE = {
  hubspot: 'http://127.0.0.1:4020/hubspot',
  mautic: 'http://127.0.0.1:4020/mautic',
  salesforce: 'http://127.0.0.1:4031',
};

it('should move every sandbox connection to the new ports, Salesforce to its own port root', async () => {
  const { ws, source, crm } = await workspace('demo', 'http://127.0.0.1:4010/hubspot');
  expect(await pointAtSandbox(store, ws, ELSEWHERE)).toStrictEqual([
    'hubspot http://127.0.0.1:4020/hubspot',
    'salesforce http://127.0.0.1:4031',
  ]);
  expect((await store.connections.require(source.id)).baseUrl).toBe('http://127.0.0.1:4020/hubspot');
  expect((await store.connections.require(crm.id)).baseUrl).toBe('http://127.0.0.1:4031');
  expect(await store.connections.readCredentials(crm.id)).toMatchObject({
    refreshToken: 'r',
    instanceUrl: 'http://127.0.0.1:4031',
  });
});

it('should learn where each vendor answers from the running sandbox', async () => {
  const sandbox = await startSandboxServer({ port: 0, contacts: 1 });
  try {
    const addresses = await readSandboxAddresses(`${sandbox.url}/`);
    expect(addresses).toStrictEqual({
      hubspot: `${sandbox.url}/hubspot`,
      mautic: `${sandbox.url}/mautic`,
      salesforce: sandbox.salesforceUrl,
    });
    // Salesforce is on a port of its own, at its root.
    expect(new URL(addresses.salesforce).port).not.toBe(new URL(sandbox.url).port);
    expect(new URL(addresses.salesforce).pathname).toBe('/');
  } finally {
    await sandbox.close();
  }
});

it('should say no sandbox answers when nothing listens at --sandbox', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  await expect(readSandboxAddresses(`http://127.0.0.1:${port}`)).rejects.toThrow(
    `no leadstage sandbox answers at http://127.0.0.1:${port}`,
  );
});

it('should refuse to re-point a real vendor account, or to point anywhere but this machine', async () => {
  const { ws, source } = await workspace('real', 'https://api.hubapi.com');
  await expect(pointAtSandbox(store, ws, ELSEWHERE)).rejects.toThrow(
    "workspace real's hubspot connection is a real account (https://api.hubapi.com), not a local sandbox",
  );
  expect((await store.connections.require(source.id)).baseUrl).toBe('https://api.hubapi.com');
  await expect(readSandboxAddresses('https://example.com')).rejects.toThrow(
    '--sandbox must be a local http URL',
  );
  await expect(readSandboxAddresses('4020')).rejects.toThrow('--sandbox must be a URL such as');
});
