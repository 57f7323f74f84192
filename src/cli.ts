/** Entry point of the `leadstage` command line. */
import { buildProgram } from './cli/program.ts';

// A `.env` in the working directory configures the CLI (README, Deploying); variables already in
// the environment win over it.
try {
  process.loadEnvFile('.env');
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

// `leadstage score ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`leadstage: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = process.exitCode || 1;
}
