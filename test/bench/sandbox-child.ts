/**
 * The sandboxes in a process of their own for `bench:sync` (as `leadstage sandbox` runs them), so
 * their work and memory stay out of the measured sync process. Prints one JSON line with the URL
 * and the tokens the sync's connections use, then serves until killed or until its parent goes:
 * the parent holds this process's stdin open, so its end (the bench's exit, even a crash that runs
 * no cleanup, such as running out of heap) ends the sandboxes too, instead of leaving them behind.
 */
import { parseArgs } from 'node:util';

import { startSandboxServer } from '../../src/sandbox/server.ts';
import { issueSandboxTokens } from '../e2e/helpers.ts';

const { values } = parseArgs({
  options: { contacts: { type: 'string' }, seed: { type: 'string', default: '7' } },
});
const sandbox = await startSandboxServer({
  port: 0,
  contacts: Number(values.contacts),
  seed: Number(values.seed),
});
process.stdout.write(`${JSON.stringify({ url: sandbox.url, tokens: issueSandboxTokens(sandbox) })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
