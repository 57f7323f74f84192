/**
 * `leadstage workspace create|list|show|set-model|settings`. Connections are attached when the admin
 * connects each vendor (web app); until then a workspace only names its vendors.
 */
import { userInfo } from 'node:os';

import type { Command } from 'commander';

import { defaultRegistry } from '../pipeline/registry.ts';
import { parseEnv } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { loadEngine } from '../pipeline/engine.ts';
import { previewModelChange, releaseOffers, SETTING_CHOICES } from '../pipeline/index.ts';
import type { CheckReport } from '../mappings/index.ts';
import {
  describeHandoffSettings,
  handoffSettings,
  saveHandoffSettings,
} from '../pipeline/handoff-settings.ts';
import { describeSlaWebhook, slaWebhookView } from '../sla/webhook.ts';
import { openStoreFromEnv, type Store, type Workspace } from '../store/index.ts';

import { registerBuiltinConnectors } from '../../connectors/builtin.ts';
import {
  createWorkspace,
  deleteWorkspace,
  describeDeletion,
  planDeletion,
  readSettings,
  settingsChangeSchema,
  type WorkspaceSettings,
  updateSettings,
} from '../admin/workspaces.ts';
import { createLogger } from '../log.ts';
import { retireThrough } from '../server/connect.ts';

import { confirmChange } from './confirm.ts';
import { printReleaseOffers } from './release-offers.ts';
import { formatPreview } from './sync.ts';

const SOURCE_VENDORS = ['hubspot', 'mautic'];
const CRM_VENDORS = ['salesforce'];

function checkVendor(kind: 'source' | 'crm', vendor: string): string {
  const known = kind === 'source' ? SOURCE_VENDORS : CRM_VENDORS;
  if (!known.includes(vendor) && !defaultRegistry.has(kind, vendor)) {
    throw new ConfigError(`--${kind} must be one of ${known.join(', ')}, got "${vendor}"`);
  }
  return vendor;
}

/** Reads and compiles a model file or preset; ModelError lists every problem with file:line. */
async function loadWorkspaceModel(ref: string) {
  const engine = await loadEngine();
  const source = await engine.loadModelSource(ref);
  const model = engine.compileModelText(source.text, source.file);
  return { model, saved: { text: source.text, ref: source.ref, version: model.version } };
}

export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStoreFromEnv(parseEnv());
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const out = (line = '') => process.stdout.write(line + '\n');

export const cliActor = () => `cli:${userInfo().username}`;

async function connectionLine(
  store: Store,
  role: string,
  vendor: string | null,
  id: string | null,
): Promise<string> {
  if (!vendor) return `  ${role.padEnd(8)} none`;
  if (!id) return `  ${role.padEnd(8)} ${vendor} (not connected yet)`;
  const c = await store.connections.get(id);
  if (!c) return `  ${role.padEnd(8)} ${vendor} (connection ${id} missing)`;
  const status =
    c.status === 'active' ? 'connected' : `needs reconnect${c.statusMessage ? `: ${c.statusMessage}` : ''}`;
  return `  ${role.padEnd(8)} ${vendor} account ${c.accountId ?? '?'} at ${c.baseUrl} — ${status}`;
}

async function show(store: Store, ws: Workspace): Promise<void> {
  out(`workspace ${ws.name} (${ws.id})`);
  out(await connectionLine(store, 'source', ws.sourceVendor, ws.sourceConnectionId));
  out(await connectionLine(store, 'crm', ws.crmVendor, ws.crmConnectionId));
  const stale = ws.qualifiedModelVersion && ws.qualifiedModelVersion !== ws.model.version;
  out(
    `  model    ${ws.model.ref} @ ${ws.model.version}${stale ? ' (not applied yet: the next sync re-qualifies every contact)' : ''}`,
  );
  out(`  schedule every ${ws.scheduleIntervalMinutes} min`);
  out(`  contacts ${await store.contacts.count(ws.id)}, events ${await store.contacts.countEvents(ws.id)}`);
  const stages = await store.decisions.countByStage(ws.id);
  out(
    `  stages   ${
      Object.entries(stages)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none yet'
    }`,
  );
  const cursors = await store.cursors.list({ kind: 'workspace', id: ws.id });
  for (const [stream, cursor] of Object.entries(cursors)) {
    out(`  cursor   ${stream} ${JSON.stringify(cursor)}`);
  }
  const runs = await store.runs.list(ws.id, 5);
  if (runs.length) out('  recent runs:');
  for (const r of runs) {
    out(
      `    ${r.startedAt} ${r.kind} ${r.status}${r.error ? `: ${r.error}` : ''} ${JSON.stringify(r.counts)}`,
    );
  }
  const quarantined = await store.recordErrors.list(ws.id, { quarantined: true });
  if (quarantined.length) out(`  quarantined records (${quarantined.length}):`);
  for (const e of quarantined.slice(0, 20)) {
    out(`    ${e.step} ${e.recordId}: ${e.vendorCode} ${e.message} (${e.retryCount} tries)`);
  }
}

/** The doctor's report as the terminal shows it: findings first, then how stages and facts are supplied. */
export function formatCheck(report: CheckReport): string[] {
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const lines = [
    `workspace ${report.workspace.name}: ${count('blocking')} blocking, ${count('warning')} warning(s), ${count('info')} note(s)` +
      (report.live.source || report.live.crm ? '' : ' (vendors not asked)'),
  ];
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(8)} ${f.code} ${f.subject}`);
    lines.push(`  ${f.message}`);
    lines.push(`  fix: ${f.fix}`);
  }
  lines.push('stages:');
  for (const s of report.stages) {
    const how = s.how === 'fallback' ? `fallback from ${s.from ?? "the vendor's first stage"}` : s.how;
    lines.push(`  ${s.vendor.padEnd(10)} ${s.stage.padEnd(20)} -> ${s.value ?? '(first stage)'} (${how})`);
  }
  lines.push('facts:');
  for (const f of report.facts) {
    lines.push(
      `  ${f.kind.padEnd(8)} ${f.name.padEnd(20)} <- ${f.suppliedBy ?? 'NOTHING'} (read by ${f.readBy.join(', ')})`,
    );
  }
  return lines;
}

export function registerWorkspaceCommands(program: Command): void {
  const ws = program
    .command('workspace')
    .description('Workspaces: one source, one CRM, one qualification model');

  ws.command('create <name>')
    .description('Create a workspace')
    .requiredOption('--source <vendor>', `marketing system: ${SOURCE_VENDORS.join(' | ')}`)
    .requiredOption('--crm <vendor>', `CRM: ${CRM_VENDORS.join(' | ')}`)
    .option('--model <ref>', 'model file or preset:NAME (default: the hubspot-lifecycle preset)')
    .option('--schedule <minutes>', 'sync interval in minutes', '15')
    .action(async (name: string, opts: { source: string; crm: string; model?: string; schedule: string }) => {
      const schedule = Number(opts.schedule);
      if (!Number.isInteger(schedule) || schedule <= 0) {
        throw new ConfigError(
          `--schedule must be a positive whole number of minutes, got "${opts.schedule}"`,
        );
      }
      const engine = await loadEngine();
      const { saved } = await loadWorkspaceModel(opts.model ?? `preset:${engine.DEFAULT_PRESET}`);
      await withStore(async (store) => {
        // No queue here: the worker's reconcile schedules it (LEADSTAGE_SCHEDULE_RECONCILE_MS).
        const created = await createWorkspace(store, {
          name,
          sourceVendor: checkVendor('source', opts.source),
          crmVendor: checkVendor('crm', opts.crm),
          model: saved,
          scheduleIntervalMinutes: schedule,
          actor: cliActor(),
        });
        out(`created workspace ${created.name} (${created.id})`);
        out(`  model ${saved.ref} @ ${saved.version}`);
        out(
          `next: connect ${created.sourceVendor} and ${created.crmVendor ?? 'the CRM'}, then run leadstage sync --workspace ${created.name}`,
        );
      });
    });

  ws.command('list')
    .description('List workspaces')
    .action(() =>
      withStore(async (store) => {
        const all = await store.workspaces.list();
        if (all.length === 0) {
          out('no workspaces yet: leadstage workspace create NAME --source hubspot --crm salesforce');
          return;
        }
        out(['NAME', 'SOURCE', 'CRM', 'MODEL', 'EVERY', 'CONTACTS', 'LAST SYNC'].join('\t'));
        for (const w of all) {
          const [last] = await store.runs.list(w.id, 1);
          out(
            [
              w.name,
              w.sourceVendor + (w.sourceConnectionId ? '' : ' (not connected)'),
              (w.crmVendor ?? '-') + (w.crmVendor && !w.crmConnectionId ? ' (not connected)' : ''),
              w.model.ref,
              `${w.scheduleIntervalMinutes} min`,
              String(await store.contacts.count(w.id)),
              last ? `${last.startedAt} ${last.status}` : 'never',
            ].join('\t'),
          );
        }
      }),
    );

  ws.command('show <name>')
    .description('Show a workspace: connections, model, stages, cursors, recent runs, quarantined records')
    .action((name: string) => withStore(async (store) => show(store, await store.workspaces.require(name))));

  ws.command('check [name]')
    .description(
      'The doctor: checks the model against the mappings and the connected vendors; exits 1 on blocking problems',
    )
    .option('--workspace <name>', 'workspace name or id (or give it as the argument)')
    .option('--offline', 'do not ask the vendors (mappings and connections only)')
    .option('--json', 'print JSON')
    .action(
      async (name: string | undefined, opts: { workspace?: string; offline?: boolean; json?: boolean }) => {
        const target = name ?? opts.workspace;
        if (!target) throw new ConfigError('name the workspace: leadstage workspace check --workspace NAME');
        const [{ checkWorkspace }, { registerBuiltinConnectors }, { createLogger }] = await Promise.all([
          import('../mappings/index.ts'),
          import('../../connectors/builtin.ts'),
          import('../log.ts'),
        ]);
        const registry = await registerBuiltinConnectors(defaultRegistry);
        await withStore(async (store) => {
          const current = await store.workspaces.require(target);
          const report = await checkWorkspace({ store, registry, log: createLogger('silent') }, current, {
            live: !opts.offline,
          });
          if (opts.json) out(JSON.stringify(report, null, 2));
          else for (const line of formatCheck(report)) out(line);
          if (!report.ok) process.exitCode = 1;
        });
      },
    );

  ws.command('handoff <name>')
    .description('Show or set how handed-off records get an owner and how the why is written to the CRM')
    .option('--default-owner', "new records get the CRM's default owner")
    .option('--assignment-rules [ruleId]', "the CRM's active assignment rule, or the rule with this id")
    .option('--round-robin <userIds>', 'comma-separated user ids that take new records in turn')
    .option('--by-field <property>', 'choose the owner by this contact property (with --map)')
    .option('--map <pairs>', 'value=ownerId pairs, comma-separated, for --by-field')
    .option('--fallback <ownerId>', 'owner for values --map does not list (--by-field)')
    .option('--why <as>', 'write the explanation as a task, a note, or off')
    .option('--why-events <n>', 'how many recent engagement events the explanation lists')
    .option(
      '--reassign <rule>',
      'on an SLA breach: off, owner:<userOrQueueId>, or round-robin:<userId,userId,…>',
    )
    .option('--reassign-stages <keys>', 'comma-separated stage keys the --reassign rule applies to')
    .option(
      '--sla-webhook <url>',
      "where this workspace's SLA breaches are POSTed (https), or off for LEADSTAGE_SLA_WEBHOOK_URL",
    )
    .action(
      async (
        name: string,
        opts: {
          defaultOwner?: boolean;
          assignmentRules?: string | boolean;
          roundRobin?: string;
          byField?: string;
          map?: string;
          fallback?: string;
          why?: string;
          whyEvents?: string;
          reassign?: string;
          reassignStages?: string;
          slaWebhook?: string;
        },
      ) => {
        const list = (v: string) =>
          v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
        const owners = [
          opts.defaultOwner ? { mode: 'default' } : null,
          opts.assignmentRules !== undefined
            ? typeof opts.assignmentRules === 'string'
              ? { mode: 'assignment_rules', ruleId: opts.assignmentRules }
              : { mode: 'assignment_rules' }
            : null,
          opts.roundRobin !== undefined ? { mode: 'round_robin', users: list(opts.roundRobin) } : null,
          opts.byField !== undefined
            ? {
                mode: 'field',
                field: opts.byField,
                map: Object.fromEntries(
                  list(opts.map ?? '').map((pair) => {
                    const at = pair.lastIndexOf('=');
                    if (at <= 0) throw new ConfigError(`--map: "${pair}" is not value=ownerId`);
                    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
                  }),
                ),
                ...(opts.fallback ? { fallback: opts.fallback } : {}),
              }
            : null,
        ].filter((o) => o !== null);
        if (owners.length > 1) {
          throw new ConfigError(
            'choose one of --default-owner, --assignment-rules, --round-robin, --by-field',
          );
        }
        await withStore(async (store) => {
          const current = await store.workspaces.require(name);
          const why =
            opts.why !== undefined || opts.whyEvents !== undefined
              ? {
                  ...handoffSettings(current).why,
                  ...(opts.why !== undefined ? { as: opts.why } : {}),
                  ...(opts.whyEvents !== undefined ? { events: Number(opts.whyEvents) } : {}),
                }
              : undefined;
          const reassign =
            opts.reassign !== undefined ? reassignRule(opts.reassign, opts.reassignStages) : undefined;
          const changing =
            owners.length > 0 || why !== undefined || reassign !== undefined || opts.slaWebhook !== undefined;
          const settings = changing
            ? await saveHandoffSettings(
                store,
                current,
                {
                  ...(owners[0] ? { owner: owners[0] } : {}),
                  ...(why ? { why } : {}),
                  ...(reassign ? { reassign } : {}),
                  ...(opts.slaWebhook !== undefined ? { slaWebhookUrl: opts.slaWebhook } : {}),
                },
                cliActor(),
              )
            : handoffSettings(current);
          out(`${changing ? 'saved: ' : ''}handoff of ${current.name}`);
          for (const line of describeHandoffSettings(settings)) out(`  ${line}`);
          // Only the host: the URL is a credential.
          const saved = changing ? await store.workspaces.require(current.id) : current;
          out(`  ${describeSlaWebhook(slaWebhookView(saved.settings))}`);
        });
      },
    );

  ws.command('set-model <name> <model>')
    .description('Replace the qualification model (file or preset:NAME), showing what would change first')
    .option('--dry-run', 'only show what would change')
    .option('-m, --comment <text>', 'why, for the model history', '')
    .option(
      '-y, --yes',
      'save without asking (scripts: without a terminal, set-model refuses to save otherwise)',
    )
    .action(async (name: string, ref: string, opts: { dryRun?: boolean; yes?: boolean; comment: string }) => {
      const { model, saved } = await loadWorkspaceModel(ref);
      await withStore(async (store) => {
        const current = await store.workspaces.require(name);
        if (current.model.version === model.version) {
          out(`${current.name} already uses this model (${model.version}): nothing to do`);
          return;
        }
        out(`if ${current.name} switches to ${saved.ref} @ ${saved.version}:`);
        for (const line of formatPreview(await previewModelChange(store, current, model))) out(line);
        // The doctor on the new model first: a fact nothing supplies means a stage nobody reaches.
        const [{ checkCandidateModel }, { registerBuiltinConnectors }, { createLogger }] = await Promise.all([
          import('../mappings/index.ts'),
          import('../../connectors/builtin.ts'),
          import('../log.ts'),
        ]);
        const registry = await registerBuiltinConnectors(defaultRegistry);
        const check = await checkCandidateModel(
          { store, registry, log: createLogger('silent') },
          current,
          saved,
        );
        for (const f of check.findings.filter((x) => x.severity !== 'info')) {
          out(`doctor: ${f.severity.toUpperCase()} ${f.code} ${f.subject}: ${f.message}`);
        }
        if (opts.dryRun) {
          out('not saved (--dry-run)');
          return;
        }
        if (!(await confirmChange(`save ${saved.ref} as the model of ${current.name}?`, opts))) {
          out('not saved');
          return;
        }
        await store.workspaces.setModel(current.id, saved, { comment: opts.comment, actor: cliActor() });
        out(`saved: the next sync re-qualifies every contact with ${saved.version}`);
        // A new model may fix what quarantined records (a stage the vendor lacked, say).
        printReleaseOffers(out, await releaseOffers(store, current));
      });
    });

  const choices = (list: readonly { value: string; label: string }[]) =>
    list.map((c) => `${c.value} (${c.label})`).join(' | ');
  ws.command('settings <name>')
    .description(
      'Show or change the schedule, identity settings (email matching, CRM erasure policy), Lead or Contact and API share',
    )
    .option('--schedule <minutes>', 'sync interval in minutes (the worker applies it at its next reconcile)')
    .option('--match <mode>', `first handoff: ${choices(SETTING_CHOICES.identity.match)}`)
    .option('--crm-erasure <policy>', `erasure in the CRM: ${choices(SETTING_CHOICES.identity.crmErasure)}`)
    .option('--handoff-object <object>', 'where handed-off records go in Salesforce: Lead | Contact')
    .option('--api-share <fraction>', "share of the CRM org's daily API requests leadstage may use, (0, 1]")
    .option('--json', 'print the settings as JSON')
    .action(
      (
        name: string,
        opts: {
          schedule?: string;
          match?: string;
          crmErasure?: string;
          handoffObject?: string;
          apiShare?: string;
          json?: boolean;
        },
      ) =>
        withStore(async (store) => {
          let current = await store.workspaces.require(name);
          const change = settingsChangeSchema.parse({
            ...(opts.schedule !== undefined ? { scheduleIntervalMinutes: Number(opts.schedule) } : {}),
            ...(opts.match !== undefined ? { match: opts.match } : {}),
            ...(opts.crmErasure !== undefined ? { crmErasure: opts.crmErasure } : {}),
            ...(opts.handoffObject !== undefined ? { handoffObject: opts.handoffObject } : {}),
            ...(opts.apiShare !== undefined ? { apiShare: Number(opts.apiShare) } : {}),
          });
          const asked = Object.keys(change).length > 0;
          let changed: string[] = [];
          if (asked) {
            ({ workspace: current, changed } = await updateSettings(
              store,
              current,
              change,
              undefined,
              `cli:${userInfo().username}`,
            ));
          }
          const settings = await readSettings(store, current);
          if (opts.json) {
            out(JSON.stringify(asked ? { settings, changed } : { settings }, null, 2));
            return;
          }
          if (asked) out(changed.length ? `saved: ${changed.join(', ')}` : 'unchanged: nothing to save');
          for (const line of formatSettings(current.name, settings)) out(line);
        }),
    );

  ws.command('delete <name>')
    .description('Delete a workspace: lists what goes; --confirm NAME deletes it and revokes its tokens')
    .option('--confirm <name>', "the workspace's name again, to confirm")
    .action(async (name: string, opts: { confirm?: string }) => {
      const env = parseEnv();
      await withStore(async (store) => {
        const current = await store.workspaces.require(name);
        out(`deleting ${current.name} removes:`);
        for (const line of describeDeletion(await planDeletion(store, current))) out(`  - ${line}`);
        if (opts.confirm === undefined) {
          out(`not deleted: run again with --confirm ${current.name}`);
          return;
        }
        const outcome = await deleteWorkspace(store, current, opts.confirm, {
          retire: retireThrough({
            store,
            env,
            registry: await registerBuiltinConnectors(defaultRegistry),
            log: createLogger(env.LEADSTAGE_LOG_LEVEL === 'info' ? 'warn' : env.LEADSTAGE_LOG_LEVEL),
          }),
        });
        for (const r of outcome.retired) {
          out(
            `  ${r.vendor}: ${r.revoked ? 'tokens revoked' : `tokens not revoked${r.note ? ` (${r.note})` : ''}`}`,
          );
        }
        out(`deleted workspace ${outcome.workspace}`);
      });
    });
}

function formatSettings(name: string, s: WorkspaceSettings): string[] {
  const crm = '(connect the CRM first)';
  return [
    `settings of ${name}:`,
    `  schedule             every ${s.scheduleIntervalMinutes} min`,
    `  identity.match       ${s.match}`,
    `  identity.crmErasure  ${s.crmErasure}`,
    `  handoff object       ${s.handoffObject ?? crm}`,
    `  API share            ${s.apiShare === null ? crm : `${Math.round(s.apiShare * 100)}%`}`,
  ];
}

/** `--reassign off | owner:ID | round-robin:ID,ID` as the settings' `reassign` object (checked there). */
function reassignRule(rule: string, stagesText: string | undefined): Record<string, unknown> {
  const stages = stagesText
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const withStages = stages?.length ? { stages } : {};
  const colon = rule.indexOf(':');
  const kind = colon < 0 ? rule.trim() : rule.slice(0, colon).trim();
  const value = colon < 0 ? '' : rule.slice(colon + 1).trim();
  if (kind === 'off') return { mode: 'off' };
  if (kind === 'owner') return { mode: 'owner', ownerId: value, ...withStages };
  if (kind === 'round-robin') {
    const users = value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    return { mode: 'round_robin', users, ...withStages };
  }
  throw new ConfigError(`--reassign: "${rule}" is not off, owner:<id> or round-robin:<id,id>`);
}
