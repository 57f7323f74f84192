import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('a .env in the working directory', () => {
  it('configures the CLI, and variables already in the environment win over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-env-'));
    try {
      await writeFile(join(dir, '.env'), 'LEADSTAGE_DATA_DIR=from-env-file\n');
      const fromFile = await runCli(['workspace', 'list'], { cwd: dir, env: { DATABASE_URL: '' } });
      expect(fromFile.stdout).toContain('no workspaces yet');
      expect(await exists(join(dir, 'from-env-file'))).toBe(true);

      const env = { DATABASE_URL: '', LEADSTAGE_DATA_DIR: join(dir, 'from-environment') };
      const overridden = await runCli(['workspace', 'list'], { cwd: dir, env });
      expect(overridden.code).toBe(0);
      expect(await exists(join(dir, 'from-environment'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
