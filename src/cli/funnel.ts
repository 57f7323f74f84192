import type { Command } from 'commander';

import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';

interface FunnelCliOptions {
  workspace: string;
  since?: string;
  wonStage?: string;
  dealSize?: string;
  monthlyLeads?: string;
  budget?: string;
  costPerLead?: string;
  json?: boolean;
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError(`${name} must be a positive number, got "${value}"`);
  }
  return n;
}

export function registerFunnelCommand(program: Command): void {
  program
    .command('funnel')
    .description('Counts per stage, conversion to the next stage, time in stage and a revenue forecast')
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--since <date>', 'only contacts first seen on or after this date (ISO-8601)')
    .option('--won-stage <key>', 'the stage that means revenue (default: customer or won, else the last)')
    .option(
      '--deal-size <amount>',
      'average deal size (default: the mean of won deals read back from the CRM)',
    )
    .option('--monthly-leads <n>', 'new leads per month, for a monthly forecast')
    .option(
      '--budget <amount>',
      'monthly acquisition budget (with --cost-per-lead, instead of --monthly-leads)',
    )
    .option('--cost-per-lead <amount>', 'cost of one new lead')
    .option('--json', 'print the report as JSON')
    .action(async (opts: FunnelCliOptions) => {
      const since = opts.since === undefined ? undefined : new Date(opts.since);
      if (since && Number.isNaN(since.getTime())) {
        throw new ConfigError(`--since must be a date, got "${opts.since}"`);
      }
      const numbers = {
        dealSize: positive('--deal-size', opts.dealSize),
        monthlyLeads: positive('--monthly-leads', opts.monthlyLeads),
        budget: positive('--budget', opts.budget),
        costPerLead: positive('--cost-per-lead', opts.costPerLead),
      };
      const options = Object.fromEntries(
        Object.entries({ ...numbers, since, wonStage: opts.wonStage }).filter(([, v]) => v !== undefined),
      );
      const [{ openStoreFromEnv }, { loadFunnel }, { renderFunnelText }] = await Promise.all([
        import('../store/index.ts'),
        import('../report/load.ts'),
        import('../report/render-text.ts'),
      ]);
      const store = await openStoreFromEnv(parseEnv());
      try {
        const { report, modelName, workspaceName, format } = await loadFunnel(store, opts.workspace, options);
        const title =
          format.locale === 'fr'
            ? `Entonnoir de ${workspaceName} (${modelName}${since ? `, depuis le ${opts.since}` : ''})`
            : `Funnel of ${workspaceName} (${modelName}${since ? `, since ${opts.since}` : ''})`;
        process.stdout.write(
          opts.json
            ? JSON.stringify({ ...report, currency: format.currency }, null, 2) + '\n'
            : renderFunnelText(report, title, 32, format) + '\n',
        );
      } finally {
        await store.close();
      }
    });
}
