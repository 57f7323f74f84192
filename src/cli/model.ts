/**
 * `leadstage model history|diff|rollback|export` for a workspace's model: the same core as the
 * console's model page and the API (src/admin/models.ts). `workspace set-model` imports a file.
 */
import type { Command } from 'commander';

import { diffVersions, previewModelText, requireVersion, rollbackModel } from '../admin/models.ts';
import { ConfigError } from '../errors.ts';

import { confirmChange } from './confirm.ts';
import { formatPreview } from './sync.ts';
import { cliActor, withStore } from './workspace.ts';

const out = (line = '') => process.stdout.write(line + '\n');

function versionNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ConfigError(`version must be a number from the history, got "${raw}"`);
  }
  return n;
}

export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description("A workspace's model history: list, diff, roll back, export");

  model
    .command('history <workspace>')
    .description('Every saved model, newest first: number, when, who, version and comment')
    .action((name: string) =>
      withStore(async (store) => {
        const ws = await store.workspaces.require(name);
        out(['#', 'SAVED', 'BY', 'VERSION', 'COMMENT'].join('\t'));
        for (const v of await store.modelVersions.list(ws.id)) {
          const current = v.version === ws.model.version ? ' (in use)' : '';
          out([v.id, v.savedAt, v.actor, v.version + current, v.comment].join('\t'));
        }
      }),
    );

  model
    .command('diff <workspace> <from> [to]')
    .description('Unified line diff of version FROM against TO (default: the model in use)')
    .action((name: string, from: string, to?: string) =>
      withStore(async (store) => {
        const ws = await store.workspaces.require(name);
        const diff = await diffVersions(store, ws, versionNumber(from), to ? versionNumber(to) : undefined);
        out(`--- version ${diff.from.id} (${diff.from.version})`);
        out(`+++ ${diff.to.id === null ? 'in use' : `version ${diff.to.id}`} (${diff.to.version})`);
        if (diff.hunks.length === 0) out('(identical)');
        for (const hunk of diff.hunks) {
          const first = hunk.lines[0];
          out(`@@ line ${first?.oldLine ?? first?.newLine ?? 1} @@`);
          for (const l of hunk.lines) {
            out(`${l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' '}${l.text}`);
          }
        }
      }),
    );

  model
    .command('rollback <workspace> <version>')
    .description('Save an earlier version again (shows what would move, asks; --yes in scripts)')
    .option('-m, --comment <text>', 'why, for the model history')
    .option('-y, --yes', 'save without asking')
    .action(async (name: string, raw: string, opts: { comment?: string; yes?: boolean }) =>
      withStore(async (store) => {
        const ws = await store.workspaces.require(name);
        const v = await requireVersion(store, ws, versionNumber(raw));
        if (v.version === ws.model.version) {
          out(`${ws.name} already uses version ${v.id}'s model (${v.version}): nothing to do`);
          return;
        }
        out(`if ${ws.name} goes back to version ${v.id} (${v.version}):`);
        for (const line of formatPreview((await previewModelText(store, ws, v.text)).preview)) out(line);
        if (!(await confirmChange(`roll ${ws.name} back to version ${v.id}?`, opts))) {
          out('not saved');
          return;
        }
        const outcome = await rollbackModel(store, ws, v.id, cliActor(), opts.comment);
        out(`saved ${outcome.model.version}: the next sync re-qualifies every contact`);
        for (const m of outcome.mappings ?? []) {
          out(
            m.to === 'default'
              ? `  the ${m.vendor} mapping is the vendor default again, as with version ${v.id}`
              : `  the ${m.vendor} mapping in use with version ${v.id} is back (mapping history ${m.fromMappingVersion})`,
          );
        }
      }),
    );

  model
    .command('export <workspace>')
    .description('Print the model in use as YAML: `model export W > model.yaml`')
    .option('--version <n>', 'an earlier version from the history')
    .action((name: string, opts: { version?: string }) =>
      withStore(async (store) => {
        const ws = await store.workspaces.require(name);
        const text = opts.version
          ? (await requireVersion(store, ws, versionNumber(opts.version))).text
          : ws.model.text;
        process.stdout.write(text);
      }),
    );
}
