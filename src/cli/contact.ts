/**
 * `leadstage contact erase --workspace W (--email E | --id ID)`: erasure of one person (GDPR
 * art. 17), the same implementation as the JSON API and the vendors' deletion webhooks.
 */
import { userInfo } from 'node:os';

import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { eraseInWorkspace, type ErasureReport, type ErasureTarget } from '../pipeline/index.ts';
import { defaultRegistry } from '../pipeline/registry.ts';
import { openStoreFromEnv } from '../store/index.ts';

export function erasureTarget(opts: { email?: string | undefined; id?: string | undefined }): ErasureTarget {
  const email = opts.email?.trim();
  const id = opts.id?.trim();
  if (!!email === !!id) throw new ConfigError('give exactly one of --email or --id');
  return email ? { email } : { id: id! };
}

export function formatErasure(report: ErasureReport): string {
  const lines = [
    `Erased from workspace ${report.workspace.name} (by ${report.by}): ${report.contacts} stored contact(s).`,
    `  removed rows: ${Object.entries(report.removed)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  suppressed: future pulls and handoffs skip this person`,
  ];
  if (report.crm.pending) {
    lines.push('  CRM: not reached yet; the next sync applies the erasure policy there');
  }
  for (const o of report.crm.outcomes) {
    lines.push(
      `  CRM ${o.object ?? 'record'} ${o.crmId ?? '(none)'}: ${o.action}${o.reason ? ` (${o.reason})` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function registerContactCommands(program: Command): void {
  const contact = program.command('contact').description('Per-person operations (erasure)');
  contact
    .command('erase')
    .description('Erase a person: store rows, CRM records by policy, suppression against re-creation')
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--email <email>', 'the person’s email')
    .option('--id <contactId>', 'the source contact id')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { workspace: string; email?: string; id?: string; json?: boolean }) => {
      const target = erasureTarget(opts);
      const env = parseEnv();
      const store = await openStoreFromEnv(env);
      try {
        const report = await eraseInWorkspace(
          {
            store,
            registry: await registerBuiltinConnectors(defaultRegistry),
            log: createLogger(env.LEADSTAGE_LOG_LEVEL === 'info' ? 'warn' : env.LEADSTAGE_LOG_LEVEL),
          },
          opts.workspace,
          target,
          `cli:${userInfo().username}`,
        );
        process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatErasure(report));
      } finally {
        await store.close();
      }
    });
}
