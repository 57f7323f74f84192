/**
 * `npm run bench:accounts -- --contacts N --backend postgres|pglite`: the heap
 * the account roll-up retains on an initial sync (every contact in scope), with N contacts in N/10
 * accounts (one email domain per ten contacts), one email open each. Prints the heap used after a
 * full gc before the roll-up, the largest sampled during it (a gc every 20 ms), and after it while
 * its result is held (as the qualify step holds it), with the load average beside the figures.
 */
import { loadavg } from 'node:os';

import type { Contact, EngagementEvent } from '../../src/model.ts';
import { rollUpAccounts } from '../../src/pipeline/steps/accounts.ts';
import { compileModelText } from '../../src/qualification/index.ts';
import { benchArgs, openBenchStore, qualifyContext } from './bench-store.ts';
import { BENCH_NOW } from './contacts.ts';

const MODEL_TEXT = `
name: account roll-up bench
dimensions: [engagement]
accounts:
  dimensions:
    - { key: engagement, sum: engagement }
    - { key: best, max: engagement }
stages:
  - key: lead
  - key: sql
    requires: { account: engagement, gte: 50 }
scoring:
  - { dimension: engagement, when: { event: email_open }, points: 10 }
`;
const PAGE = 1000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapMb = () => {
  gc();
  return +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
};

const { count, backend } = benchArgs(100_000);
const { store, drop } = await openBenchStore(backend);
try {
  const model = compileModelText(MODEL_TEXT, 'bench.yaml');
  const workspace = await store.workspaces.create({
    name: 'bench',
    sourceVendor: 'hubspot',
    model: { text: MODEL_TEXT, ref: 'bench.yaml', version: model.version },
  });
  for (let i = 0; i < count; i += PAGE) {
    const contacts: Contact[] = [];
    const events: EngagementEvent[] = [];
    for (let k = i; k < Math.min(i + PAGE, count); k++) {
      const id = `c${String(k).padStart(8, '0')}`;
      contacts.push({
        id,
        properties: { email: `p${k}@d${k % Math.ceil(count / 10)}.example` },
        updatedAt: BENCH_NOW.toISOString(),
      });
      events.push({
        id: `${id}-0`,
        contactId: id,
        type: 'email_open',
        at: BENCH_NOW.toISOString(),
        properties: {},
      });
    }
    await store.contacts.upsert(workspace.id, contacts);
    await store.contacts.insertEvents(workspace.id, events);
  }
  const ctx = qualifyContext(store, workspace, model);
  const before = heapMb();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, heapMb());
  }, 20);
  const t = performance.now();
  const held = await rollUpAccounts(ctx, { all: true });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const after = heapMb();
  console.log(
    JSON.stringify({
      backend,
      contacts: count,
      accounts: Math.ceil(count / 10),
      heapBeforeMb: before,
      heapPeakDuringMb: Math.max(peak, after),
      heapRetainedAfterMb: after,
      retainedPerContactBytes: Math.round(((after - before) * 2 ** 20) / count),
      rollUpSeconds: +seconds.toFixed(2),
      load: loadavg().map((l) => +l.toFixed(2)),
    }),
  );
  // Held until here, as the qualify step holds it for its whole run.
  void held;
} finally {
  await drop();
}
