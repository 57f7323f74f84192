/**
 * `sync --sandbox URL`: the demo's workspace follows the sandboxes to another port, Salesforce's
 * instance URL included, and a real vendor account is never re-pointed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

import { pointAtSandbox } from '../../src/demo/point-at-sandbox.ts';
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
    baseUrl: 'http://127.0.0.1:4010/salesforce',
    accountId: 'org',
    credentials: {
      kind: 'oauth2',
      accessToken: 'a',
      refreshToken: 'r',
      instanceUrl: 'http://127.0.0.1:4010/salesforce',
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

it('should move every sandbox connection to the new port and keep the vendor paths', async () => {
  const { ws, source, crm } = await workspace('demo', 'http://127.0.0.1:4010/hubspot');
  expect(await pointAtSandbox(store, ws, 'http://127.0.0.1:4020/')).toStrictEqual([
    'hubspot http://127.0.0.1:4020/hubspot',
    'salesforce http://127.0.0.1:4020/salesforce',
  ]);
  expect((await store.connections.require(source.id)).baseUrl).toBe('http://127.0.0.1:4020/hubspot');
  expect((await store.connections.require(crm.id)).baseUrl).toBe('http://127.0.0.1:4020/salesforce');
  expect(await store.connections.readCredentials(crm.id)).toMatchObject({
    refreshToken: 'r',
    instanceUrl: 'http://127.0.0.1:4020/salesforce',
  });
});

it('should refuse to re-point a real vendor account, or to point anywhere but this machine', async () => {
  const { ws, source } = await workspace('real', 'https://api.hubapi.com');
  await expect(pointAtSandbox(store, ws, 'http://127.0.0.1:4020')).rejects.toThrow(
    "workspace real's hubspot connection is a real account (https://api.hubapi.com), not a local sandbox",
  );
  expect((await store.connections.require(source.id)).baseUrl).toBe('https://api.hubapi.com');
  await expect(pointAtSandbox(store, ws, 'https://example.com')).rejects.toThrow(
    '--sandbox must be a local http URL',
  );
  await expect(pointAtSandbox(store, ws, '4020')).rejects.toThrow('--sandbox must be a URL such as');
});
