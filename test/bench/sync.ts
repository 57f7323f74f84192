/**
 * `npm run bench:sync -- --contacts N --backend postgres|pglite --source hubspot|mautic`: one initial
 * sync from the HubSpot (or Mautic) sandbox to the Salesforce sandbox (run in a child process, as
 * `leadstage sandbox` runs them) at the connectors' real pacing, on a fresh store. Prints per step its
 * wall time, the time its calls spent waiting on the rate limiter (summed over calls made at once, so
 * where steps overlap — the two pulls; qualify, write-back and handoff — it can exceed the wall time)
 * and wall less wait (busy); the calls
 * made against the fewest the vendors' page and batch sizes allow; the floor those calls set at the
 * connectors' rate budgets; contacts per second; and the sync process's peak resident set.
 *
 * It runs under the same V8 heap cap as `leadstage sync` and loads its modules through the same
 * stripped-source cache (package.json), so its memory is the command's, plus the bench's own few MB.
 *
 * Memory: the peak resident set and JS heap used (sampled every 100 ms), on PGlite the most its
 * WebAssembly memory reached (a share that never shrinks), the V8 heap limit the process ran under, and the live heap (heap used right after a full collection) once the sync has
 * returned. `--live-heap-every S` also collects every S seconds during the sync and prints the most
 * heap that was live: what the sync really holds, as opposed to garbage V8 had not yet collected.
 * Those collections lower the peak resident set, so leave it off when measuring that.
 *
 * The figures are the whole process's: on a shared machine they move with its load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { capHeap } from '../../bin/heap-cap.js';
import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter, type RateBudget, type RateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import type { StepName } from '../../src/pipeline/types.ts';
import { createSandboxWorkspace, type SandboxTokens } from '../e2e/helpers.ts';
import { benchArgs, openBenchStore } from './bench-store.ts';

// Under the heap cap `leadstage sync` runs with (bin/heap-cap.js): this process re-executes itself
// with it, unless --max-old-space-size is given or LEADSTAGE_MAX_HEAP_MB=0 (Node's default heap).
capHeap('sync');

const { count, backend, source, liveHeapEvery, heapSnapshotAbove } = benchArgs(3000);

// A full collection on demand without a command-line flag: V8 reads --expose-gc when a context is
// made, so a new context gets `gc`, which collects the whole isolate's heap.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const liveHeap = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

/** Starts the sandboxes in a child process and reads the line it prints. */
async function startSandboxChild(): Promise<{ child: ChildProcess; url: string; tokens: SandboxTokens }> {
  const child = spawn(
    process.execPath,
    [new URL('./sandbox-child.ts', import.meta.url).pathname, '--contacts', String(count)],
    // stdin stays open while this process lives: the child ends when it closes (sandbox-child.ts).
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const { url, tokens } = JSON.parse(line) as { url: string; tokens: SandboxTokens };
    return { child, url, tokens };
  }
  throw new Error('the sandbox process ended before it listened');
}

/** The limiter the sync uses, timing how long each step waits in it and counting calls per bucket. */
class TimedLimiter implements RateLimiter {
  readonly inner = new MemoryRateLimiter();
  waitedMs = 0;
  readonly calls = new Map<string, { n: number; budget: RateBudget }>();

  async acquire(bucket: string, budget: RateBudget): Promise<void> {
    const t = performance.now();
    await this.inner.acquire(bucket, budget);
    this.waitedMs += performance.now() - t;
    const c = this.calls.get(bucket) ?? { n: 0, budget };
    c.n++;
    c.budget = budget;
    this.calls.set(bucket, c);
  }

  pause(bucket: string, waitMs: number): Promise<void> {
    return this.inner.pause(bucket, waitMs);
  }

  /**
   * Seconds the calls of the busiest bucket need at its budget: no sync of this work can be faster.
   * The budgets are rolling windows (HubSpot: "110 requests every 10 seconds", API-NOTES 1.7): the
   * k-th call of a bucket can go no earlier than ⌊(k−1)/max⌋ windows after its first.
   */
  floorSeconds(): number {
    let floor = 0;
    for (const { n, budget } of this.calls.values()) {
      floor = Math.max(floor, Math.floor(Math.max(0, n - 1) / budget.max) * (budget.windowMs / 1000));
    }
    return floor;
  }
}

let peakRss = 0;
// PGlite's WebAssembly memory (0 on PostgreSQL): a share of the resident set that never shrinks.
let peakEngine = 0;
let engineMemory = (): number => 0;
// The JS heap's share of the peak, to tell V8 growth from memory outside it (PGlite's wasm, buffers).
let peakHeap = 0;
const rssPoll = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakEngine = Math.max(peakEngine, engineMemory());
}, 100);
let peakLive = 0;
// The step group running now and when the sync began, for the live-heap timeline.
let stepNow = 'start';
let syncStarted = performance.now();
let snapshotTaken = false;
const livePoll =
  liveHeapEvery > 0
    ? setInterval(() => {
        const live = liveHeap();
        peakLive = Math.max(peakLive, live);
        const at = ((performance.now() - syncStarted) / 1000).toFixed(0);
        // On stderr, one line per collection: where in the sync the live heap grew.
        console.error(`live heap ${(live / 2 ** 20).toFixed(1)} MB at ${at} s (${stepNow})`);
        // `--heap-snapshot-above MB`: one snapshot the first time the live heap passes it, to see what holds it.
        if (heapSnapshotAbove > 0 && !snapshotTaken && live > heapSnapshotAbove * 2 ** 20) {
          snapshotTaken = true;
          console.error(
            `heap snapshot written to ${writeHeapSnapshot(join(tmpdir(), `bench-sync-${process.pid}.heapsnapshot`))}`,
          );
        }
      }, liveHeapEvery * 1000)
    : undefined;

const sandbox = await startSandboxChild();
const { store, drop } = await openBenchStore(backend);
engineMemory = store.db.engineMemoryBytes ?? engineMemory;

const STEP_GROUP: Partial<Record<StepName, string>> = {
  pull_contacts: 'pull',
  pull_engagement: 'pull',
  qualify: 'qualify+send',
  write_back: 'qualify+send',
  handoff: 'qualify+send',
};

interface StepFigures {
  wallMs: number;
  waitMs: number;
  cpuMs: number;
}
const steps = new Map<string, StepFigures>();
try {
  const workspace = await createSandboxWorkspace(store, sandbox.url, sandbox.tokens, Date.now, {
    vendor: source,
  });
  const limiter = new TimedLimiter();
  let current: { step: string; at: number; waited: number; cpu: NodeJS.CpuUsage } | undefined;
  const close = () => {
    if (!current) return;
    const cpu = process.cpuUsage(current.cpu);
    const s = steps.get(current.step) ?? { wallMs: 0, waitMs: 0, cpuMs: 0 };
    s.wallMs += performance.now() - current.at;
    s.waitMs += limiter.waitedMs - current.waited;
    s.cpuMs += (cpu.user + cpu.system) / 1000;
    steps.set(current.step, s);
  };
  const enter = (step: string) => {
    if (current?.step === step) return;
    close();
    current = { step, at: performance.now(), waited: limiter.waitedMs, cpu: process.cpuUsage() };
    stepNow = step;
  };
  // Opening the new store (and the sandboxes' start) is printed apart; the sync's peak counts from here.
  const openPeakRss = peakRss;
  peakRss = process.memoryUsage().rss;
  const started = performance.now();
  syncStarted = started;
  enter('other');
  const summary = await runSync({
    store,
    registry: createRegistry(await builtinConnectors()),
    limiter,
    log: silentLogger,
    workspace,
    // The two pulls run at once (steps/pull.ts pullSources), and so do qualify, write-back and
    // handoff (steps/settle.ts): each group's time is one figure.
    onProgress: (p) => enter(STEP_GROUP[p.step] ?? p.step),
    checkpoint: () => enter('other'),
  });
  close();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(livePoll);
  const liveAfter = liveHeap();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const floor = limiter.floorSeconds();
  const fmt = (ms: number) => (ms / 1000).toFixed(1).padStart(7);
  console.log(`bench:sync ${count.toLocaleString('en-US')} ${source} contacts on ${backend}`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('step                 wall s  wait s  busy s   cpu s');
  for (const [step, s] of steps) {
    console.log(
      `${step.padEnd(18)} ${fmt(s.wallMs)} ${fmt(s.waitMs)} ${fmt(s.wallMs - s.waitMs)} ${fmt(s.cpuMs)}`,
    );
  }
  for (const [vendor, n] of Object.entries(summary.apiCalls)) {
    const min = summary.minimumApiCalls[vendor];
    console.log(
      `${vendor} calls ${n}${min === undefined ? '' : ` against at least ${min} (${((n / min) * 100).toFixed(0)} %)`}, ${(
        (n / count) *
        1000
      ).toFixed(0)} per 1,000 contacts`,
    );
  }
  // Per stream, against its share of the minimum: where calls above the floor come from.
  for (const [vendor, streams] of Object.entries(summary.apiCallsByStream)) {
    for (const [stream, n] of Object.entries(streams)) {
      const min = summary.minimumApiCallsByStream[`${vendor} ${stream}`];
      console.log(`  ${vendor} ${stream}: ${n}${min === undefined ? '' : ` against at least ${min}`}`);
    }
  }
  for (const [bucket, c] of limiter.calls) {
    console.log(
      `  bucket ${bucket}: ${c.n} calls at ${c.budget.max} per ${c.budget.windowMs / 1000} s, ${((c.n / count) * 1000).toFixed(0)} per 1,000 contacts`,
    );
  }
  console.log(
    `total ${seconds.toFixed(1)} s, floor at the connectors' budgets ${floor.toFixed(1)} s (${(seconds / floor).toFixed(2)}×), ` +
      `${(count / seconds).toFixed(0)} contacts/s, peak RSS ${mb(peakRss)} MB ` +
      `(${mb(openPeakRss)} MB while the new store opened) ` +
      `(JS heap used at most ${mb(peakHeap)} MB` +
      (backend === 'pglite' ? `, PGlite's WebAssembly memory at most ${mb(peakEngine)} MB)` : ')'),
  );
  console.log(
    `V8 heap limit ${mb(getHeapStatistics().heap_size_limit)} MB, ` +
      (livePoll
        ? `live heap at most ${mb(peakLive)} MB during the sync (a full collection every ${liveHeapEvery} s), `
        : '') +
      `live heap after the sync ${mb(liveAfter)} MB, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    JSON.stringify({
      backend,
      contacts: count,
      seconds: +seconds.toFixed(1),
      floor: +floor.toFixed(1),
      peakRssMb: mb(peakRss),
      openPeakRssMb: mb(openPeakRss),
      peakHeapMb: mb(peakHeap),
      ...(backend === 'pglite' ? { peakWasmMb: mb(peakEngine) } : {}),
      heapLimitMb: mb(getHeapStatistics().heap_size_limit),
      ...(livePoll ? { peakLiveHeapMb: mb(peakLive) } : {}),
      liveHeapAfterMb: mb(liveAfter),
      load: loadavg()[0],
      steps: Object.fromEntries(
        [...steps].map(([k, s]) => [
          k,
          { wall: Math.round(s.wallMs), wait: Math.round(s.waitMs), cpu: Math.round(s.cpuMs) },
        ]),
      ),
      calls: summary.apiCalls,
      minimumCalls: summary.minimumApiCalls,
    }),
  );
} finally {
  clearInterval(rssPoll);
  clearInterval(livePoll);
  sandbox.child.kill();
  await drop();
}
