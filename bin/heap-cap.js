/**
 * A V8 old-space cap for the commands that sync (`leadstage sync` and `leadstage worker`) and for
 * `leadstage score`, so the process stays small without the admin passing Node flags.
 *
 * Why a cap at all: what a sync holds at once does not grow with the portal (pages are streamed),
 * but V8 sizes its heap from the machine's memory (about 4 GB here) and, with that much room,
 * lets garbage pile up between full collections: the resident set grew from about 190 MB (3,000
 * contacts) to 320 MB (30,000) while the live heap (what a forced full collection leaves) stayed
 * at 40 MB. A cap makes V8 collect sooner.
 *
 * Why by re-executing: the old-space limit is fixed when V8 creates its heap, so it has to be on
 * Node's command line (`v8.setFlagsFromString('--max-old-space-size=…')` at run time changes
 * nothing: `heap_size_limit` stays put). `process.execve` (Node 22.15+) replaces this process
 * with the same command plus the flag: the same pid (signals from an orchestrator reach the
 * worker itself), the same stdin/stdout/stderr, and no parent process left holding memory, which
 * a spawned child would need. It runs before anything else is loaded, so it costs one Node start.
 *
 * The admin's choice wins: nothing is done when `--max-old-space-size` is already on the command
 * line or in NODE_OPTIONS, or when LEADSTAGE_MAX_HEAP_MB is 0. Where `process.execve` is missing
 * (Windows), the command runs with Node's default heap.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Old space in MB when LEADSTAGE_MAX_HEAP_MB is unset (V8 adds its young generation, 48 MB, to
 * make the heap limit: 176 MB). A sync's live heap, the loaded code included, stays at 37-49 MB
 * from 3,000 to 100,000 contacts (`npm run bench:sync -- --live-heap-every 30`), which leaves room
 * for a few jobs of a worker at once and for the largest page a vendor returns. V8 uses the room
 * it is given: at 160 MB a 100,000-contact sync peaked at 250 MB resident (about 70 MB of it code
 * and native memory), so 128 keeps the process within 256 MB however long the sync.
 */
export const DEFAULT_MAX_HEAP_MB = 128;

/**
 * Old space for `leadstage score` when LEADSTAGE_MAX_HEAP_MB is unset, with a 1 MB young generation
 * (`--max-semi-space-size=1`): it streams, holding a line and its decision at a time, but each input
 * chunk's garbage otherwise waits in a 32 MB young generation and V8 keeps raising the old-space limit
 * over a long input, so its resident set rose from 116 MB (100,000 contacts) to 166 MB (1,000,000).
 * With both flags: 86–89 and 93–95 MB; either alone barely helps. The longest line `score` accepts
 * (`--max-line-length`, 1 Mi characters, 13,239 events) scores in 78 MB with them.
 */
export const SCORE_MAX_HEAP_MB = 64;

/** The commands worth a second Node start: the old space when unset, and flags that go with it. */
const CAPPED = new Map([
  ['sync', { defaultMb: DEFAULT_MAX_HEAP_MB, with: [] }],
  ['worker', { defaultMb: DEFAULT_MAX_HEAP_MB, with: [] }],
  ['score', { defaultMb: SCORE_MAX_HEAP_MB, with: ['--max-semi-space-size=1'] }],
]);

const FLAG = /(^|\s)--max[-_]old[-_]space[-_]size\b/;

/** LEADSTAGE_MAX_HEAP_MB from the environment, else from `.env` (as src/cli.ts reads it), else unset. */
function configured() {
  const fromEnv = process.env.LEADSTAGE_MAX_HEAP_MB;
  if (fromEnv !== undefined) return fromEnv;
  try {
    return parseEnv(readFileSync('.env', 'utf8')).LEADSTAGE_MAX_HEAP_MB;
  } catch {
    return undefined; // No readable .env: the default.
  }
}

/** The cap in MB for this command, or undefined for none. Throws on a malformed setting. */
export function heapCapMb(command, env = process.env, execArgv = process.execArgv, value = configured()) {
  const capped = CAPPED.get(command);
  if (!capped) return undefined;
  if (execArgv.some((a) => FLAG.test(a)) || FLAG.test(env.NODE_OPTIONS ?? '')) return undefined;
  if (value === undefined || value.trim() === '') return capped.defaultMb;
  const mb = Number(value);
  // Below 64 MB V8 spends its time collecting; a typo should not make the sync crawl.
  if (!Number.isInteger(mb) || (mb !== 0 && mb < 64)) {
    throw new Error(
      `LEADSTAGE_MAX_HEAP_MB must be 0 (no cap) or a whole number of MB from 64, got "${value}"`,
    );
  }
  return mb === 0 ? undefined : mb;
}

/**
 * Re-executes this process with the cap when `command` is one that is capped and no cap is set yet;
 * returns when there is nothing to do (or no way to do it). `argv` is Node's (`process.argv`).
 */
export function capHeap(command, argv = process.argv) {
  let mb;
  try {
    mb = heapCapMb(command);
  } catch (err) {
    process.stderr.write(`leadstage: ${err.message}\n`);
    process.exit(1);
  }
  if (mb === undefined || typeof process.execve !== 'function') return;
  try {
    process.execve(
      process.execPath,
      [
        process.execPath,
        `--max-old-space-size=${mb}`,
        ...CAPPED.get(command).with,
        ...process.execArgv,
        ...argv.slice(1),
      ],
      process.env,
    );
  } catch {
    // execve refused (an unsupported platform): run on with Node's default heap.
  }
}
