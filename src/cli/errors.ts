/**
 * `leadstage errors list|retry|release --workspace W`: the records a sync could not write back or
 * hand off, and the admin's ways out of quarantine (src/pipeline/quarantine.ts, shared with the API).
 */
import type { Command } from 'commander';

import {
  causesOf,
  listRecordErrors,
  releaseRecordErrors,
  retryRecordErrors,
  type QuarantineQuery,
} from '../pipeline/quarantine.ts';

import { withStore } from './workspace.ts';

interface FilterOptions {
  workspace: string;
  step?: string;
  code?: string;
  id?: string[];
  json?: boolean;
}

const out = (line = '') => process.stdout.write(line + '\n');

function query(o: FilterOptions, quarantinedOnly = false): QuarantineQuery {
  return { step: o.step, code: o.code, ids: o.id, ...(quarantinedOnly ? { quarantinedOnly } : {}) };
}

function withFilters(cmd: Command): Command {
  return cmd
    .requiredOption('--workspace <name>', 'workspace name or id')
    .option('--step <step>', 'only this sync step (write_back, handoff)')
    .option('--code <code>', "only this error code (the vendor's, e.g. unmapped_stage)")
    .option('--id <recordId...>', 'only these record ids');
}

export function registerErrorsCommands(program: Command): void {
  const errors = program
    .command('errors')
    .description('Records a sync could not write back or hand off, and their quarantine');

  withFilters(errors.command('list'))
    .description('List failing records by cause, then one line per record')
    .option('--quarantined', 'only the quarantined ones')
    .option('--json', 'print JSON')
    .action(async (o: FilterOptions & { quarantined?: boolean }) => {
      await withStore(async (store) => {
        const ws = await store.workspaces.require(o.workspace);
        const entries = await listRecordErrors(store, ws, query(o, o.quarantined ?? false));
        if (o.json) {
          out(JSON.stringify({ causes: causesOf(entries), errors: entries }, null, 2));
          return;
        }
        if (entries.length === 0) {
          out(`no failing records in workspace ${ws.name}`);
          return;
        }
        for (const c of causesOf(entries)) {
          out(`${c.step} ${c.code}: ${c.failing} failing, ${c.quarantined} quarantined — ${c.example}`);
        }
        out();
        for (const e of entries) {
          const state = e.quarantined ? 'quarantined' : `tried ${e.retryCount}×`;
          out(`  ${e.step} ${e.recordId} ${e.vendorCode} (${state}, last ${e.lastFailedAt}): ${e.message}`);
        }
      });
    });

  const actions = [
    {
      name: 'retry',
      description: 'Give quarantined records one more try on the next sync',
      run: retryRecordErrors,
      done: (n: number, ws: string) =>
        `${n} quarantined record(s) will be tried again on the next sync of ${ws}`,
    },
    {
      name: 'release',
      description: 'Forget the failures (after fixing their cause): the records start afresh',
      run: releaseRecordErrors,
      done: (n: number, ws: string) =>
        `${n} record(s) released in ${ws}; the next sync tries them with a full set of retries`,
    },
  ];
  for (const a of actions) {
    withFilters(errors.command(a.name))
      .description(a.description)
      .action(async (o: FilterOptions) => {
        await withStore(async (store) => {
          const ws = await store.workspaces.require(o.workspace);
          out(a.done(await a.run(store, ws, query(o)), ws.name));
        });
      });
  }
}
