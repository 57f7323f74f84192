/**
 * `npm run fuzz:engine -- --runs N --seed S`: the engine-vs-reference property of CI
 * (test/reference/engine-vs-reference.test.ts) for as long as asked. A failure prints the shrunk
 * counterexample and the seed that replays it; make it a named regression test.
 */
import { parseArgs } from 'node:util';

import fc from 'fast-check';

import { CONTACTS_PER_MODEL, engineAgreesWithReference } from './property.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5000' }, seed: { type: 'string' } },
});
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const started = performance.now();
const out = fc.check(engineAgreesWithReference, { numRuns: runs, seed });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (out.failed) {
  console.error(fc.defaultReportMessage(out));
  process.exitCode = 1;
} else {
  console.log(
    `${runs} models × ${CONTACTS_PER_MODEL} contacts = ${runs * CONTACTS_PER_MODEL} pairs agree (seed ${seed}, ${seconds} s)`,
  );
}
