/**
 * `workspace set-model` re-qualifies every contact on the next sync: on a terminal it asks first,
 * a script says --yes, and without either it refuses instead of saving silently.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { askYesNo } from '../../src/cli/confirm.ts';
import { runCli } from '../helpers/cli.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/db.ts';

/** Each test starts the CLI (and PGlite) in child processes: slow on a busy machine. */
const SLOW = 180_000;

describe('askYesNo', () => {
  const answer = async (typed: string | null) => {
    const input = new PassThrough();
    const output = new PassThrough();
    const asked = askYesNo('save?', input, output);
    if (typed === null) input.end();
    else input.write(typed);
    const result = await asked;
    return { result, prompt: String(output.read()) };
  };

  it('should take only y or yes as consent', async () => {
    expect(await answer('y\n')).toStrictEqual({ result: true, prompt: 'save? [y/N] ' });
    expect((await answer('Yes\n')).result).toBe(true);
    expect((await answer('n\n')).result).toBe(false);
    expect((await answer('\n')).result).toBe(false);
    expect((await answer(null)).result).toBe(false);
  });
});

describe('workspace set-model without a terminal', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-set-model-'));
    env = { DATABASE_URL: undefined, LEADSTAGE_DATA_DIR: dir, LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    const created = await runCli(
      ['workspace', 'create', 'acme', '--source', 'hubspot', '--crm', 'salesforce'],
      {
        env,
      },
    );
    if (created.code !== 0) throw new Error(`workspace create failed: ${created.stderr}`);
  }, SLOW);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'should show the preview and refuse to save without --yes',
    async () => {
      const r = await runCli(['workspace', 'set-model', 'acme', 'preset:three-stage'], { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('if acme switches to preset:three-stage');
      // The doctor ran on the new model before asking: nothing is connected in this store.
      expect(r.stdout).toMatch(/^doctor: BLOCKING not_connected vendor:/m);
      expect(r.stderr).toBe(
        'leadstage: not saved: no terminal to confirm on; pass --yes to save from a script\n',
      );
    },
    SLOW,
  );

  it(
    'should save with --yes (the refused change above was not saved)',
    async () => {
      const r = await runCli(['workspace', 'set-model', 'acme', 'preset:three-stage', '--yes'], { env });
      expect(r.code).toBe(0);
      // Had the refusal above saved, this would answer "already uses this model".
      expect(r.stdout).toContain('saved: the next sync re-qualifies every contact');
    },
    SLOW,
  );
});
