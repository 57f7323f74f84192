/**
 * `npm run bench`: contacts per second against json-rules-engine on the same contacts and the same
 * model (20 rules and 2 count rules), the two whole processes side by side on a file of the same
 * contacts, re2js against native RegExp, then the peak memory of `leadstage score` streaming
 * 1,000,000 contacts.
 *
 * How contacts reach the engines: as the sync pipeline qualifies them, in batches of
 * `qualifyBatchSize` (500) freshly parsed from their JSON text. Each engine gets its own freshly
 * parsed copy of every batch, and only the scoring is timed. Each engine runs PASSES passes over
 * all contacts, interleaved so both see the same machine; the best pass is each engine's figure
 * and the median is printed beside it. A last line scores every contact held in memory at once,
 * where both engines also pay for cache misses.
 *
 * Runs on Node's own type stripping: no transpiler in the measured code.
 */
import { readFile } from 'node:fs/promises';

import { DEFAULT_TUNING } from '../../src/pipeline/run-context.ts';
import type { ContactInput } from '../../src/model.ts';
import { compileModelText } from '../../src/qualification/index.ts';
import { measureCliMemory } from './cli-memory.ts';
import { compareProcesses, timeLargestCheck } from './processes.ts';
import { regexSpeed } from './regex.ts';
import { benchContacts, BENCH_NOW } from './contacts.ts';
import { createJreEngine, jreQualify } from './json-rules-engine-model.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const STREAMED = Number(process.env.BENCH_STREAMED ?? 1_000_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 5);
const BATCH = DEFAULT_TUNING.qualifyBatchSize;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const text = await readFile(new URL('./model-20.yaml', import.meta.url), 'utf8');
const model = compileModelText(text, 'test/bench/model-20.yaml');
const lines = benchContacts(CONTACTS).map((c) => JSON.stringify(c));
const parse = (from: number, to: number): ContactInput[] =>
  lines.slice(from, to).map((l) => JSON.parse(l) as ContactInput);
const events = parse(0, CONTACTS).reduce((n, c) => n + c.events.length, 0);
console.log(
  `${fmt(CONTACTS)} synthetic contacts, ${fmt(events)} raw events, ${model.name} (${text.match(/dimension:/g)?.length} rules), batches of ${BATCH}, best of ${PASSES} passes`,
);

const engine = createJreEngine();
const nowMs = BENCH_NOW.getTime();
type Scorer = (batch: ContactInput[]) => Promise<number> | number;
const ours: Scorer = (batch) => {
  let sum = 0;
  for (const c of batch) sum += model.qualify(c, BENCH_NOW).scores.total!;
  return sum;
};
const theirs: Scorer = async (batch) => {
  let sum = 0;
  for (const c of batch) sum += (await jreQualify(engine, c, nowMs)).total;
  return sum;
};
const explained: Scorer = (batch) => {
  let sum = 0;
  for (const c of batch) sum += model.qualify(c, BENCH_NOW).reasons.length;
  return sum;
};

/** One pass over every contact, batch by batch; returns contacts per second of scoring time. */
async function pass(score: Scorer, batchSize = BATCH): Promise<number> {
  let ms = 0;
  for (let i = 0; i < CONTACTS; i += batchSize) {
    const batch = parse(i, i + batchSize);
    const t = performance.now();
    await score(batch);
    ms += performance.now() - t;
  }
  return (CONTACTS / ms) * 1000;
}

const best = (rates: number[]) => Math.max(...rates);
const median = (rates: number[]) => [...rates].sort((a, b) => a - b)[rates.length >> 1]!;

// Warm-up so both run JIT-compiled code.
await pass(ours);
await pass(theirs, 500);
const oursRates: number[] = [];
const theirRates: number[] = [];
for (let p = 0; p < PASSES; p++) {
  oursRates.push(await pass(ours));
  theirRates.push(await pass(theirs));
}
const explainedRate = await pass(explained);
const coldOurs = await pass(ours, CONTACTS);
const coldTheirs = await pass(theirs, CONTACTS);

const all = parse(0, CONTACTS);
let agree = 0;
for (const c of all) {
  const d = model.qualify(c, BENCH_NOW);
  const j = await jreQualify(engine, c, nowMs);
  if (d.stage === j.stage && d.scores.total === j.total) agree++;
}

const rate = (r: number) => fmt(r).padStart(12);
console.log(
  `leadstage          ${rate(best(oursRates))} contacts/s (median ${fmt(median(oursRates))}; scores and stage, reasons computed when read)`,
);
console.log(
  `json-rules-engine  ${rate(best(theirRates))} contacts/s (median ${fmt(median(theirRates))}; facts derived from the same events)`,
);
console.log(`leadstage+reasons  ${rate(explainedRate)} contacts/s (every reason built)`);
console.log(
  `ratio              ${(best(oursRates) / best(theirRates)).toFixed(1).padStart(12)}×  (goal ≥ 100×; median passes ${(median(oursRates) / median(theirRates)).toFixed(1)}×)`,
);
console.log(
  `all ${fmt(CONTACTS)} in memory at once: leadstage ${fmt(coldOurs)}/s, json-rules-engine ${fmt(coldTheirs)}/s, ${(coldOurs / coldTheirs).toFixed(1)}×`,
);
console.log(`same stage and total on ${fmt(agree)} of ${fmt(CONTACTS)} contacts`);

// Whole processes, start-up and JSON parsing included on both sides.
const procs = await compareProcesses(CONTACTS, Number(process.env.BENCH_PROCESS_PASSES ?? 3));
console.log(
  `whole process, ${fmt(CONTACTS)} contacts from a file: leadstage score (with reasons) ${procs.leadstage.toFixed(2)} s, json-rules-engine ${procs.jre.toFixed(2)} s, ${(procs.jre / procs.leadstage).toFixed(1)}× (goal ≥ 2×; ${fmt(procs.lines[0])} and ${fmt(procs.lines[1])} lines out)`,
);
if (procs.cpu) {
  console.log(
    `  the same in CPU time (user + system, median): leadstage ${procs.cpu.leadstage.toFixed(2)} s, json-rules-engine ${procs.cpu.jre.toFixed(2)} s, ${(procs.cpu.jre / procs.cpu.leadstage).toFixed(1)}×`,
  );
}

const check = await timeLargestCheck(Number(process.env.BENCH_PROCESS_PASSES ?? 3));
console.log(
  `leadstage rules check on the largest model within the bounds (${fmt(check.chars)} characters): ${check.seconds.toFixed(2)} s (goal < 1 s; ${check.startup.toFixed(2)} s of it is start-up, the time to check the smallest preset)`,
);

const regex = regexSpeed();
for (const r of regex) {
  console.log(
    `matches /${r.pattern}/i: re2js ${r.re2.toFixed(0)} ns, native RegExp ${r.native.toFixed(0)} ns, ` +
      `leadstage (native where equivalent) ${r.leadstage.toFixed(0)} ns per test`,
  );
}
console.log(
  `re2js on /^(.+)+!$/ against 100,000 characters: ${regex.evilMs.toFixed(1)} ms (native RegExp never finishes)`,
);

// The real command in its own process, so its peak memory is its own and not the arrays above.
const streamed = await measureCliMemory(STREAMED);
const peak = streamed.peakMb === undefined ? 'unknown (needs Linux /proc)' : `${fmt(streamed.peakMb)} MB`;
console.log(
  `leadstage score    ${fmt(streamed.scored)} contacts streamed through stdin in ${streamed.seconds.toFixed(1)} s (${fmt(streamed.scored / streamed.seconds)}/s with reasons and JSON), peak RSS ${peak} (goal < 200 MB)`,
);
if (streamed.scored !== STREAMED) process.exitCode = 1;
