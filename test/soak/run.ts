/**
 * `npm run soak -- --days 90 --contacts 2000 [--mautic-contacts N]`: the long simulated quarter
 * (test/soak/quarter.ts) on a fresh PostgreSQL schema, one sync a simulated day, HubSpot- and
 * Mautic-sourced workspaces side by side (`--mautic-contacts 0` leaves Mautic out; default: as many
 * as `--contacts`). Prints a line per 10 days and then the table: syncs, then per source API calls
 * per sync p50/p95, contacts re-qualified per sync p50/p95, handoffs and violations (Mautic also its
 * faults and idle syncs), merges, erasures, invariant violations (each listed) and wall time. Exits 1
 * on any violation.
 */
import { parseArgs } from 'node:util';

import { openBenchStore } from '../bench/bench-store.ts';
import { quantile, runQuarter } from './quarter.ts';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '90' },
    contacts: { type: 'string', default: '2000' },
    'mautic-contacts': { type: 'string' },
    'syncs-per-day': { type: 'string', default: '1' },
  },
});
const whole = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (name === 'mautic-contacts' ? 0 : 1)) {
    throw new Error(`--${name} must be a whole number ≥ ${name === 'mautic-contacts' ? 0 : 1}, got ${v}`);
  }
  return n;
};
const days = whole('days', values.days);
const contacts = whole('contacts', values.contacts);
const syncsPerDay = whole('syncs-per-day', values['syncs-per-day']);
const mauticContacts = whole('mautic-contacts', values['mautic-contacts'] ?? String(contacts));

const { store, drop } = await openBenchStore('postgres');
try {
  const r = await runQuarter({
    store,
    days,
    contacts,
    mauticContacts,
    syncsPerDay,
    onSync: (day, s, violations) => {
      if (day % 10 === 0) {
        process.stdout.write(
          `day ${day}: HubSpot qualified ${s.qualified} (${s.due} due), written back ${s.writtenBack}, handed off ${s.handedOff}, violations (both sources) ${violations}\n`,
        );
      }
    },
  });
  const rows: [string, string][] = [
    [
      'days × contacts',
      `${days} × ${contacts} HubSpot, ${mauticContacts} Mautic (${syncsPerDay} sync a day)`,
    ],
    ['syncs (per source)', String(r.syncs)],
    ...Object.entries(r.bySource).flatMap(([source, f]): [string, string][] => [
      [
        `${source}: API calls/sync`,
        `p50 ${quantile(f.calls, 0.5)}, p95 ${quantile(f.calls, 0.95)}, max ${Math.max(...f.calls)}`,
      ],
      [
        `${source}: re-qualified`,
        `p50 ${quantile(f.requalified, 0.5)}, p95 ${quantile(f.requalified, 0.95)}, first ${f.requalified[0] ?? 0}`,
      ],
      [`${source}: handed off`, String(f.handedOff)],
      ...(source === 'mautic'
        ? ([
            [`${source}: faults armed`, String(f.faults)],
            [
              `${source}: idle syncs`,
              `${f.idleCalls.length}, API calls ${f.idleCalls.length ? `max ${Math.max(...f.idleCalls)}` : '-'}`,
            ],
          ] as [string, string][])
        : []),
      [`${source}: violations`, String(f.violations)],
    ]),
    ['handed off (total)', String(r.handedOff)],
    ['hubspot: merges', String(r.merges)],
    ['hubspot: erasures (Lead del.)', `${r.erasures} (${r.leadsDeleted})`],
    ['invariant violations', String(r.violations.length)],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s`],
  ];
  process.stdout.write('\n' + rows.map(([k, v]) => `${k.padEnd(30)}${v}`).join('\n') + '\n');
  for (const v of r.violations.slice(0, 50)) process.stdout.write(`  ${v}\n`);
  process.exitCode = r.violations.length ? 1 : 0;
} finally {
  await drop();
}
