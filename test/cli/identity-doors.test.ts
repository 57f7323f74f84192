/**
 * The command-line doors of identity and privacy, run as the real `leadstage` binary against the
 * real PostgreSQL store and the sandboxes: `contact erase` and `workspace settings`.
 */
import { userInfo } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';
import { dumpDatabase } from '../helpers/dump.ts';
import { addWorkspace, makeSalesReady } from '../e2e/helpers.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import { builtinConnectors } from '../../connectors/builtin.ts';

/** Each test starts the CLI in a child process: slow on a busy machine. */
const SLOW = 180_000;
const EXT = 'Leadstage_External_Id__c';
const ERASED = 'erase.me@northwind.example';
const KEPT = 'keep.me@northwind.example';

let t: TestStore;
let sandbox: SandboxServer;
let workspaceName: string;
let workspaceId: string;
let erasedId: string;
let keptId: string;
let erasedLeadId: string;

const cli = (args: string[]) =>
  runCli(args, {
    env: {
      DATABASE_URL: t.databaseUrl,
      LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LEADSTAGE_LOG_LEVEL: 'warn',
    },
  });

const leadOf = (contactId: string) =>
  sandbox.salesforce.records('Lead').find((l) => l[EXT] === `hubspot:portal-1:${contactId}`);

beforeAll(async () => {
  t = await openTestStore('postgres');
  sandbox = await startSandboxServer({ port: 0, contacts: 20 });
  const registry = createRegistry(await builtinConnectors());
  const ws = await addWorkspace(t.store, sandbox, registry, 'portal-1');
  workspaceId = ws.workspaceId;
  workspaceName = (await t.store.workspaces.require(workspaceId)).name;
  [erasedId, keptId] = [...sandbox.hubspot.portal.contacts.keys()] as [string, string];
  makeSalesReady(sandbox, erasedId, ERASED);
  makeSalesReady(sandbox, keptId, KEPT);
  await ws.sync();
  const lead = leadOf(erasedId);
  if (lead?.Email !== ERASED || leadOf(keptId)?.Email !== KEPT) {
    throw new Error('the two sales-ready contacts were not handed off');
  }
  erasedLeadId = String(lead.Id);
}, SLOW);

afterAll(async () => {
  await sandbox?.close();
  await t?.cleanup();
});

describe('leadstage contact erase', () => {
  it(
    'refuses --email with --id, and a workspace that does not exist, erasing nothing',
    async () => {
      const both = await cli([
        'contact',
        'erase',
        '--workspace',
        workspaceName,
        '--email',
        ERASED,
        '--id',
        erasedId,
      ]);
      expect(both.code).toBe(1);
      expect(both.stderr).toBe('leadstage: give exactly one of --email or --id\n');
      const nowhere = await cli(['contact', 'erase', '--workspace', 'no-such-workspace', '--id', erasedId]);
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toContain('no-such-workspace');
      expect(await t.store.audit.list(workspaceId)).toEqual([]);
    },
    SLOW,
  );

  it(
    'erases by id: no trace in a dump, the Lead deleted by the default policy, suppressed, audited as the user',
    async () => {
      const r = await cli(['contact', 'erase', '--workspace', workspaceName, '--id', erasedId]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Erased from workspace ${workspaceName} (by id): 1 stored contact(s).`);
      expect(r.stdout).toContain(`CRM Lead ${erasedLeadId}: deleted`);

      const dump = (await dumpDatabase(t.store)).toLowerCase();
      expect(dump).not.toContain(ERASED);
      // Only the erased person is gone.
      expect(dump).toContain(KEPT);
      expect(leadOf(erasedId)).toBeUndefined();
      expect(sandbox.salesforce.recycleBin().map((d) => d.record.Id)).toEqual([erasedLeadId]);
      expect(leadOf(keptId)?.Email).toBe(KEPT);
      // The email digest came from the store's copy before the rows went: a new id with it is refused.
      expect(await t.store.suppressions.count(workspaceId)).toBe(2);
      expect(await t.store.suppressions.suppressedIds(workspaceId, [{ id: 'x', email: ERASED }])).toEqual(
        new Set(['x']),
      );
      const audit = await t.store.audit.list(workspaceId);
      const actor = `cli:${userInfo().username}`;
      expect(audit.map((a) => [a.actor, a.action])).toEqual([
        [actor, 'contact.erase'],
        [actor, 'contact.erase.crm'],
      ]);
      expect(audit[0]!.details).toMatchObject({ by: 'id', crmRecordsQueued: 1 });
    },
    SLOW,
  );
});

describe('leadstage workspace settings', () => {
  it(
    'shows the defaults, saves a change, and refuses a value outside the choices naming the field',
    async () => {
      const shown = await cli(['workspace', 'settings', workspaceName]);
      expect(shown.stdout).toBe(
        `settings of ${workspaceName}:\n  schedule             every 15 min\n  identity.match       email\n` +
          `  identity.crmErasure  delete_lead\n  handoff object       Lead\n  API share            50%\n`,
      );
      const set = await cli([
        'workspace',
        'settings',
        workspaceName,
        '--crm-erasure',
        'report_only',
        '--json',
      ]);
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({
        settings: { match: 'email', crmErasure: 'report_only' },
        changed: ['identity.crmErasure'],
      });
      const bad = await cli(['workspace', 'settings', workspaceName, '--match', 'fuzzy']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('leadstage: identity.match: must be one of email, none (got "fuzzy")\n');
      const ws = await t.store.workspaces.require(workspaceId);
      expect(ws.settings).toEqual({ identity: { crmErasure: 'report_only' } });
    },
    SLOW,
  );
});
