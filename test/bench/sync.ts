/**
  console.log(`bench:sync ${count.toLocaleString('en-US')} ${source} contacts on ${backend}`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
 * (busy); the calls
 * made against the fewest the vendors' page and batch sizes allow; the floor those calls set at the
 * connectors' rate budgets; contacts per second; and the sync process's peak resident set.
 *
 * The figures are the whole process's: on a shared machine they move with its load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';

import { builtinConnectors } from '../../connectors/builtin.ts';
import { MemoryRateLimiter, type RateBudget, type RateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/index.ts';
import { createRegistry } from '../../src/pipeline/registry.ts';
import type { StepName } from '../../src/pipeline/types.ts';
import { createSandboxWorkspace, type SandboxTokens } from '../e2e/helpers.ts';
import { benchArgs, openBenchStore } from './bench-store.ts';

const { count, backend, source } = benchArgs(3000);

/** Starts the sandboxes in a child process and reads the line it prints. */
async function startSandboxChild(): Promise<{ child: ChildProcess; url: string; tokens: SandboxTokens }> {
  const child = spawn(
    process.execPath,
    [new URL('./sandbox-child.ts', import.meta.url).pathname, '--contacts', String(count)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
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
// The JS heap's share of the peak, to tell V8 growth from memory outside it (PGlite's wasm, buffers).
let peakHeap = 0;
const rssPoll = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 100);

const sandbox = await startSandboxChild();
const { store, drop } = await openBenchStore(backend);

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
  };
  const started = performance.now();
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
  for (const [bucket, c] of limiter.calls) {
    console.log(
      `  bucket ${bucket}: ${c.n} calls at ${c.budget.max} per ${c.budget.windowMs / 1000} s, ${((c.n / count) * 1000).toFixed(0)} per 1,000 contacts`,
    );
  }
  console.log(
    `total ${seconds.toFixed(1)} s, floor at the connectors' budgets ${floor.toFixed(1)} s (${(seconds / floor).toFixed(2)}×), ` +
      `${(count / seconds).toFixed(0)} contacts/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB ` +
      `(JS heap used at most ${(peakHeap / 2 ** 20).toFixed(0)} MB)`,
  );
  console.log(
    JSON.stringify({
      backend,
      contacts: count,
      seconds: +seconds.toFixed(1),
      floor: +floor.toFixed(1),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      peakHeapMb: Math.round(peakHeap / 2 ** 20),
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
  sandbox.child.kill();
  await drop();
}
