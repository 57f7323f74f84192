import type { Command } from 'commander';

import { parseEnv } from '../config/env.ts';

export function registerSlaCommand(program: Command): void {
  program
    .command('sla')
    .description("The model's SLAs per stage and the latest breaches (stays sales did not act on in time)")
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { workspace: string; json?: boolean }) => {
      const [{ openStoreFromEnv }, { workspaceModel }, { loadSlaReport, renderSlaText }] = await Promise.all([
        import('../store/index.ts'),
        import('../pipeline/engine.ts'),
        import('../sla/report.ts'),
      ]);
      const store = await openStoreFromEnv(parseEnv());
      try {
        const ws = await store.workspaces.require(opts.workspace);
        const report = await loadSlaReport(store, ws, await workspaceModel(ws));
        process.stdout.write(
          opts.json ? JSON.stringify(report, null, 2) + '\n' : renderSlaText(report) + '\n',
        );
      } finally {
        await store.close();
      }
    });
}
