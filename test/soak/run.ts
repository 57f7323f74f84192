/**
 * `npm run soak -- --days 90 --contacts 2000`: the long simulated quarter (test/soak/quarter.ts) on
 * a fresh PostgreSQL schema, one sync a simulated day. Prints a line per 10 days and then the table:
 * syncs, API calls per sync p50/p95, contacts re-qualified per sync p50/p95, handoffs, merges,
 * invariant violations (each listed) and wall time. Exits 1 on any violation.
 */
import { parseArgs } from 'node:util';

import { openBenchStore } from '../bench/bench-store.ts';
import { quantile, runQuarter } from './quarter.ts';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '90' },
    contacts: { type: 'string', default: '2000' },
    'syncs-per-day': { type: 'string', default: '1' },
  },
});
const whole = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a whole number ≥ 1, got ${v}`);
  return n;
};
const days = whole('days', values.days);
const contacts = whole('contacts', values.contacts);
const syncsPerDay = whole('syncs-per-day', values['syncs-per-day']);

const { store, drop } = await openBenchStore('postgres');
try {
  const r = await runQuarter({
    store,
    days,
    contacts,
    syncsPerDay,
    onSync: (day, s, violations) => {
      if (day % 10 === 0) {
        process.stdout.write(
          `day ${day}: qualified ${s.qualified} (${s.due} due), written back ${s.writtenBack}, handed off ${s.handedOff}, violations ${violations}\n`,
        );
      }
    },
  });
  const rows: [string, string][] = [
    ['days × contacts', `${days} × ${contacts} (${syncsPerDay} sync a day)`],
    ['syncs', String(r.syncs)],
    [
      'API calls per sync',
      `p50 ${quantile(r.calls, 0.5)}, p95 ${quantile(r.calls, 0.95)}, max ${Math.max(...r.calls)}`,
    ],
    [
      're-qualified per sync',
      `p50 ${quantile(r.requalified, 0.5)}, p95 ${quantile(r.requalified, 0.95)}, first ${r.requalified[0] ?? 0}`,
    ],
    ['handed off (total)', String(r.handedOff)],
    ['merges', String(r.merges)],
    ['erasures (Lead deleted)', `${r.erasures} (${r.leadsDeleted})`],
    ['invariant violations', String(r.violations.length)],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s`],
  ];
  process.stdout.write('\n' + rows.map(([k, v]) => `${k.padEnd(24)}${v}`).join('\n') + '\n');
  for (const v of r.violations.slice(0, 50)) process.stdout.write(`  ${v}\n`);
  process.exitCode = r.violations.length ? 1 : 0;
} finally {
  await drop();
}
