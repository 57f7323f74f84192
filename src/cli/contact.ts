/**
 * `leadstage contact erase --workspace W (--email E | --id ID)`: erasure of one person (GDPR
 * art. 17), the same implementation as the JSON API and the vendors' deletion webhooks.
 * `contact search` and `contact explain`: a synced contact found and explained from the store, the
 * same cores as the console's contact pages and `GET /api/workspaces/:id/contacts[/:contactId]`.
 */
import { userInfo } from 'node:os';

import type { Command } from 'commander';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { explainStoredContact, searchContacts } from '../pipeline/explain-contact.ts';
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
  const contact = program.command('contact').description('Per-person operations: find, explain, erase');
  contact
    .command('search <query>')
    .description('Find synced contacts whose email, name or id contains the query')
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .option('--json', 'print as JSON')
    .action(async (query: string, opts: { workspace: string; json?: boolean }) => {
      const store = await openStoreFromEnv(parseEnv());
      try {
        const ws = await store.workspaces.require(opts.workspace);
        const found = await searchContacts(store, ws, query);
        process.stdout.write(
          opts.json
            ? JSON.stringify(found, null, 2) + '\n'
            : found.map((c) => `${c.id}\t${c.stage ?? '-'}\t${c.email ?? '-'}\t${c.name ?? '-'}`).join('\n') +
                (found.length ? '\n' : `no contact matches "${query}"\n`),
        );
      } finally {
        await store.close();
      }
    });
  contact
    .command('explain')
    .description('Explain a synced contact: stage, scores against the next stage, what is missing, history')
    .requiredOption('-w, --workspace <name>', 'workspace name or id')
    .requiredOption('--id <contactId>', 'the source contact id')
    .option('--json', 'print as JSON')
    .action(async (opts: { workspace: string; id: string; json?: boolean }) => {
      const store = await openStoreFromEnv(parseEnv());
      try {
        const ws = await store.workspaces.require(opts.workspace);
        const e = await explainStoredContact(store, ws, opts.id);
        if (!e) throw new ConfigError(`no contact "${opts.id}" in workspace "${ws.name}"`);
        if (opts.json) {
          process.stdout.write(JSON.stringify(e, null, 2) + '\n');
          return;
        }
        const history = e.history.map(
          (s) => `  ${s.enteredAt} ${s.stage}${s.exitedAt ? ` until ${s.exitedAt}` : ' (now)'}`,
        );
        const written = e.stored?.written
          ? `written to ${ws.sourceVendor}: ${e.stored.written.stage} at ${e.stored.written.at}`
          : `nothing written to ${ws.sourceVendor} yet`;
        const handed = e.handoff?.handedAt
          ? `handed to ${ws.crmVendor ?? 'CRM'}: ${e.handoff.crmObject ?? 'record'} ${e.handoff.crmId ?? '?'} at ${e.handoff.handedAt}`
          : 'not handed off';
        process.stdout.write(
          `${e.text}\n\nStage history:\n${history.join('\n') || '  none yet'}\n${written}\n${handed}\n`,
        );
      } finally {
        await store.close();
      }
    });
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
