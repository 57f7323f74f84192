/**
 * `npm run bench`: contacts per second against json-rules-engine on the same contacts and the same
 * 20-rule model, then peak memory for 1,000,000 streamed contacts through `leadstage score`'s path.
 * Runs on Node's own type stripping: no transpiler in the measured code.
 */
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { compileModelText } from '../../src/qualification/index.ts';
import { benchContacts, BENCH_NOW } from './contacts.ts';
import { createJreEngine, jreQualify } from './json-rules-engine-model.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const STREAMED = Number(process.env.BENCH_STREAMED ?? 1_000_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const text = await readFile(new URL('./model-20.yaml', import.meta.url), 'utf8');
const model = compileModelText(text, 'test/bench/model-20.yaml');
const contacts = benchContacts(CONTACTS);
const events = contacts.reduce((n, c) => n + c.events.length, 0);
console.log(
  `${fmt(CONTACTS)} synthetic contacts, ${fmt(events)} raw events, ${model.name} (${text.match(/dimension:/g)?.length} rules)`,
);

// Warm-up so both run JIT-compiled code.
for (const c of contacts.slice(0, 2000)) model.qualify(c, BENCH_NOW);
const engine = createJreEngine();
for (const c of contacts.slice(0, 500)) await jreQualify(engine, c, BENCH_NOW.getTime());

let t = performance.now();
const ours = contacts.map((c) => model.qualify(c, BENCH_NOW));
const oursMs = performance.now() - t;

t = performance.now();
const theirs: { stage: string; total: number }[] = [];
for (const c of contacts) theirs.push(await jreQualify(engine, c, BENCH_NOW.getTime()));
const theirsMs = performance.now() - t;

t = performance.now();
let reasonCount = 0;
for (const c of contacts) reasonCount += model.qualify(c, BENCH_NOW).reasons.length;
const explainedMs = performance.now() - t;

const agree = ours.filter(
  (d, i) => d.stage === theirs[i]!.stage && d.scores.total === theirs[i]!.total,
).length;
const oursRate = (CONTACTS / oursMs) * 1000;
const theirsRate = (CONTACTS / theirsMs) * 1000;
console.log(
  `leadstage          ${fmt(oursRate).padStart(12)} contacts/s (scores and stage; reasons computed when read)`,
);
console.log(
  `json-rules-engine  ${fmt(theirsRate).padStart(12)} contacts/s (facts derived from the same events)`,
);
console.log(
  `leadstage+reasons  ${fmt((CONTACTS / explainedMs) * 1000).padStart(12)} contacts/s (every reason built: ${fmt(reasonCount)})`,
);
console.log(`ratio              ${(oursRate / theirsRate).toFixed(1).padStart(12)}×  (goal ≥ 100×)`);
console.log(`same stage and total on ${fmt(agree)} of ${fmt(CONTACTS)} contacts`);

// Streamed in a child process, so its peak memory is its own and not the arrays above.
const child = spawnSync(process.execPath, [fileURLToPath(new URL('./stream-memory.ts', import.meta.url))], {
  env: { ...process.env, BENCH_STREAMED: String(STREAMED) },
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (child.status !== 0) process.exitCode = 1;
