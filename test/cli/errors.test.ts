/** `leadstage errors list|retry|release --workspace W`, through the real binary on a PGlite store. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/db.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadstage-errors-'));
  const store = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
  const { source, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  const ws = await store.workspaces.create({
    name: 'acme',
    sourceVendor: 'hubspot',
    model: { text: source.text, ref: source.ref, version: model.version },
  });
  const at = new Date('2026-11-01T00:00:00Z');
  for (const quarantineAfter of [5, 1]) {
    await store.recordErrors.recordFailures(
      ws.id,
      'write_back',
      [{ recordId: '701', code: 'unmapped_stage', message: 'stage "tsql" has no HubSpot lifecycle stage' }],
      { quarantineAfter, at },
    );
  }
  await store.recordErrors.recordFailures(
    ws.id,
    'handoff',
    [{ recordId: '702', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Company is required' }],
    { quarantineAfter: 5, at },
  );
  await store.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('leadstage errors', () => {
  // A function: `dir` is set in beforeAll, after this block is collected.
  const cli = (args: string[]) =>
    runCli(args, {
      env: { LEADSTAGE_DATA_DIR: dir, LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DATABASE_URL: '' },
    });

  it('lists by cause, then one line per record; releases one cause and leaves the other', async () => {
    const list = await cli(['errors', 'list', '--workspace', 'acme']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('write_back unmapped_stage: 1 failing, 1 quarantined');
    expect(list.stdout).toContain('handoff FIELD_CUSTOM_VALIDATION_EXCEPTION: 1 failing, 0 quarantined');
    expect(list.stdout).toMatch(/^ {2}write_back 701 unmapped_stage \(quarantined, /m);

    const retry = await cli(['errors', 'retry', '--workspace', 'acme', '--code', 'unmapped_stage']);
    expect(retry.stdout).toContain('1 quarantined record(s) will be tried again');

    const release = await cli(['errors', 'release', '--workspace', 'acme', '--step', 'handoff']);
    expect(release.stdout).toContain('1 record(s) released in acme');
    const after = await cli(['errors', 'list', '--workspace', 'acme', '--json']);
    const body = JSON.parse(after.stdout) as { errors: { recordId: string; quarantined: boolean }[] };
    expect(body.errors).toEqual([expect.objectContaining({ recordId: '701', quarantined: false })]);

    const missing = await cli(['errors', 'list', '--workspace', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no workspace "nope"');
    // Five processes, each opening the store: slow on a busy machine, not a timing check.
  }, 300_000);
});
