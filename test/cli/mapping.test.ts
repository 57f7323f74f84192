/**
 * `leadstage mapping …` and `leadstage workspace check` through the real binary on a PGlite store:
 * a workspace starts on the vendor default, `set` and `import` give it its own mapping (a bad file
 * is refused naming line and field), and the doctor's findings go away as the mapping fixes them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileModelText } from '../../src/qualification/index.ts';
import { runCli } from '../helpers/cli.ts';
import { openTestStore, TEST_ENCRYPTION_KEY, type TestStore } from '../helpers/db.ts';

let dir: string;
let db: TestStore;

// PostgreSQL (a schema of its own): each command opens the store, and PGlite's start-up per
// command is too slow on a shared machine.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadstage-mapping-'));
  db = await openTestStore('postgres');
  const store = db.store;
  const text = await readFile('test/fixtures/models/broken-for-doctor.yaml', 'utf8');
  const model = compileModelText(text, 'broken.yaml');
  await store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    crmVendor: 'salesforce',
    model: { text, ref: 'broken.yaml', version: model.version },
  });
});

afterAll(async () => {
  await db.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('leadstage mapping and workspace check', () => {
  const cli = (args: string[]) =>
    runCli(args, {
      env: { DATABASE_URL: db.databaseUrl, LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
    });

  it(
    'shows the default, refuses a bad import by line and field, and the doctor sees fixes land',
    {
      timeout: 240_000,
    },
    async () => {
      const show = await cli(['mapping', 'show', '--workspace', 'acme']);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('hubspot (source) mapping: the hubspot default (mappings/hubspot.yaml)');
      expect(show.stdout).toMatch(/^ {4}employees +<- numberofemployees$/m);

      const before = await cli(['workspace', 'check', '--workspace', 'acme', '--offline']);
      expect(before.code).toBe(1);
      expect(before.stdout).toContain('BLOCKING fact_unmapped fact:golf_handicap');
      expect(before.stdout).toContain('WARNING  stage_fallback stage:tsql');
      expect(before.stdout).toMatch(/hubspot +tsql +-> marketingqualifiedlead \(fallback from mql\)/);

      const bad = join(dir, 'bad.yaml');
      // Line 3 names a HubSpot label where an internal name (a-z, 0-9, _) belongs.
      await writeFile(
        bad,
        'contactProperties:\n  email: email\n  golf_handicap: "Golf Handicap"\nwriteBack: { scorePrefix: s_, reason: r, modelVersion: v }\n',
      );
      const refused = await cli(['mapping', 'import', '--workspace', 'acme', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('acme/hubspot.yaml:3: contactProperties.golf_handicap');

      const set = await cli([
        'mapping',
        'set',
        '--workspace',
        'acme',
        'contactProperties.golf_handicap',
        '{ property: golf_handicap, type: number }',
      ]);
      expect(set.code).toBe(0);
      const setStage = await cli([
        'mapping',
        'set',
        '--workspace',
        'acme',
        'stages.tsql',
        'marketingqualifiedlead',
      ]);
      expect(setStage.code).toBe(0);

      const exported = await cli(['mapping', 'export', '--workspace', 'acme']);
      // The first `set` copied the default, comments included, and added the entries.
      expect(exported.stdout).toContain('# HubSpot <-> leadstage mapping');
      expect(exported.stdout).toContain('golf_handicap: { property: golf_handicap, type: number }');
      expect(exported.stdout).toMatch(/^ {2}tsql: marketingqualifiedlead$/m);

      const after = await cli(['workspace', 'check', '--workspace', 'acme', '--offline', '--json']);
      const report = JSON.parse(after.stdout) as {
        findings: { severity: string; code: string; subject: string }[];
      };
      // What is left: the event type no HubSpot mapping can produce, and nothing connected.
      expect(report.findings.map((f) => `${f.severity} ${f.code} ${f.subject}`)).toEqual([
        'blocking not_connected vendor:hubspot',
        'warning event_unmapped event:webinar_attended',
        'warning not_connected vendor:salesforce',
      ]);

      const reset = await cli(['mapping', 'reset', '--workspace', 'acme']);
      expect(reset.stdout).toContain('acme uses the hubspot default mapping again');

      // Two sets and a reset, newest first, each with the one model version the workspace has.
      const history = await cli(['mapping', 'history', '--workspace', 'acme', '--json']);
      const entries = JSON.parse(history.stdout) as { vendor: string; kind: string; actor: string }[];
      expect(entries.map((e) => [e.vendor, e.kind, e.actor.startsWith('cli:')])).toEqual([
        ['hubspot', 'default', true],
        ['hubspot', 'workspace', true],
        ['hubspot', 'workspace', true],
      ]);
      const [only] = await db.store.modelVersions.list((await db.store.workspaces.require('acme')).id);
      const text = await cli(['mapping', 'history', '--workspace', 'acme']);
      expect(text.stdout).toContain(`hubspot    reset to the default with model version ${only!.id}`);
    },
  );

  it('offers to release the records a mapping change may have fixed', { timeout: 60_000 }, async () => {
    const ws = await db.store.workspaces.require('acme');
    for (let i = 0; i < 2; i++) {
      await db.store.recordErrors.recordFailures(
        ws.id,
        'write_back',
        [{ recordId: 'c1', code: 'unmapped_stage', message: 'no lifecycle value for tsql' }],
        { quarantineAfter: 2, at: new Date('2026-11-01T00:00:00Z') },
      );
    }
    const set = await cli(['mapping', 'set', 'stages.tsql', 'salesqualifiedlead', '--workspace', 'acme']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('1 record(s) quarantined on write_back unmapped_stage; if fixed now:');
    expect(set.stdout).toContain(
      '  leadstage errors release --workspace acme --step write_back --code unmapped_stage',
    );
  });
});
