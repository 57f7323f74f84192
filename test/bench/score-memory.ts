/**
 * `npm run bench:score -- --contacts 100000,1000000,3000000 --runs 3`: the peak resident set of the
 * real `leadstage score` process (cli-memory.ts) at each size, run after run, one at a time. Whether
 * its memory is flat in N is read off these lines: a single peak moves by a few MB with the moment V8
 * happens to collect, so each size is run several times.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { measureCliMemory } from './cli-memory.ts';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000,1000000' },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = values.contacts.split(',').map(Number);
const runs = Number(values.runs);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
  throw new Error(`--contacts must be whole numbers separated by commas, got ${values.contacts}`);
}
if (!Number.isInteger(runs) || runs <= 0) {
  throw new Error(`--runs must be a whole number, got ${values.runs}`);
}

const fmt = (n: number) => n.toLocaleString('en-US');
for (const size of sizes) {
  const peaks: string[] = [];
  let seconds = 0;
  for (let r = 0; r < runs; r++) {
    const m = await measureCliMemory(size);
    if (m.scored !== size) throw new Error(`leadstage score scored ${m.scored} of ${size} contacts`);
    peaks.push(m.peakMb === undefined ? '?' : m.peakMb.toFixed(0));
    seconds += m.seconds;
  }
  console.log(
    `leadstage score ${fmt(size).padStart(9)} contacts: peak RSS ${peaks.join(', ')} MB ` +
      `(${fmt(Math.round((size * runs) / seconds))} contacts/s, load ${loadavg()[0]!.toFixed(1)})`,
  );
}
