import { describe, expect, it } from 'vitest';

import { buildProgram } from '../../src/cli/program.ts';
import { runCli } from '../helpers/cli.ts';

const ALL = [
  'demo',
  'rules',
  'score',
  'explain',
  'workspace',
  'connect',
  'mapping',
  'model',
  'sync',
  'health',
  'errors',
  'funnel',
  'sla',
  'contact',
  'db',
  'sandbox',
  'salesforce',
  'worker',
  'serve',
];
const names = async (...args: string[]) =>
  (await buildProgram(['node', 'leadstage', ...args])).commands.map((c) => c.name());

describe('the leadstage program', () => {
  it('registers only the group of the command being run', async () => {
    expect(await names('score', '--input', 'x.jsonl')).toEqual(['score', 'explain']);
    expect(await names('workspace', 'list')).toEqual(['workspace']);
  });

  it('registers every group for help and for a command it does not know', async () => {
    expect(await names()).toEqual(ALL);
    expect(await names('--help')).toEqual(ALL);
    expect(await names('scor')).toEqual(ALL);
  });

  it('lists every command in help and suggests the nearest for a typo', async () => {
    const help = await runCli(['--help']);
    for (const name of ALL) expect(help.stdout).toContain(`  ${name}`);
    const typo = await runCli(['scor']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('Did you mean score?');
  });
});
