/**
 * A handoff of more than 2,000 records, through the path an admin takes: the demo's sandboxes and
 * workspace, then `leadstage sync --sandbox URL` in a child process. A handoff call of more than
 * 2,000 records (a call takes at most 2,001) goes through jsforce's Bulk API 2.0 support (Salesforce
 * advises Bulk above 2,000: API-NOTES §2.4), which builds its URLs from the instance origin, so this
 * passes only with the Salesforce sandbox at the root of its own port, as a real instance is.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { createSandboxWorkspace } from '../../src/demo/run-demo.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/db.ts';

/** Seeded portal contacts: every one with an email reaches the handoff stage of the model below. */
const CONTACTS = 2_300;
const SLOW = 600_000;

/** Two stages; any contact with an email is handed off, so the handoff is well over 2,000. */
const MODEL = `name: bulk-handoff
description: every contact with an email goes to sales
dimensions: [interest]
stages:
  - key: known
    label: Known
  - key: reachable
    label: Reachable
    handoff: true
    requires: { property: email, exists: true }
scoring:
  - { id: forms, dimension: interest, when: { event: form_submit }, points: 10 }
`;

let dir: string;
let sandbox: SandboxServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadstage-bulk-handoff-'));
  sandbox = await startSandboxServer({ port: 0, contacts: CONTACTS, seed: 42 });
  const modelFile = join(dir, 'model.yaml');
  await writeFile(modelFile, MODEL);
  const store = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
  try {
    await createSandboxWorkspace(store, sandbox, { name: 'bulk', source: 'hubspot', modelRef: modelFile });
  } finally {
    await store.close();
  }
}, SLOW);

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

it(
  'should hand off more than 2,000 records in Bulk API 2.0 jobs of 2,001, the rest in Collections, through `leadstage sync`',
  async () => {
    const withEmail = [...sandbox.hubspot.portal.contacts.values()].filter((c) => c.properties.email).length;
    expect(withEmail).toBeGreaterThan(2_000);

    const run = await runCli(['sync', '--workspace', 'bulk', '--sandbox', sandbox.url], {
      env: { LEADSTAGE_DATA_DIR: dir, LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DATABASE_URL: '' },
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    // sync --sandbox re-pointed Salesforce at the address the sandbox named: its own port's root.
    expect(run.stdout).toContain(`now using the sandbox: salesforce ${sandbox.salesforceUrl}\n`);
    expect(run.stdout).toContain(`  handed off       ${withEmail} (${withEmail} new CRM records)\n`);
    expect(run.stdout).toContain('  errors           0\n');

    const leads = sandbox.salesforce.records('Lead').filter((l) => l.Leadstage_External_Id__c);
    expect(leads).toHaveLength(withEmail);
    expect(new Set(leads.map((l) => l.Leadstage_External_Id__c)).size).toBe(withEmail);

    // A handoff call takes at most 2,001 records (HANDOFF_CALL_MAX: the call's records are held in
    // memory): each full one is an ingest job, created, uploaded, closed, read and then deleted
    // (API-NOTES §2.4); the rest, under the bulk threshold, goes in Collections of 200.
    expect(withEmail).toBeLessThan(2 * 2_001);
    const calls = sandbox.salesforce.stats().calls;
    expect(calls['POST /jobs/ingest']).toBe(1);
    expect(calls['DELETE /jobs/ingest/:id']).toBe(1);
    const collections = Object.entries(calls)
      .filter(([k]) => k.startsWith('PATCH /composite/sobjects/Lead'))
      .reduce((n, [, c]) => n + c, 0);
    expect(collections).toBe(Math.ceil((withEmail - 2_001) / 200));
  },
  SLOW,
);
